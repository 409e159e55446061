/**
 * The reference's `linear` learning-rate policy: the base rate for the first
 * `nEpochs` epochs, then a straight line to zero over `nEpochsDecay` more.
 * `epoch` counts from 1 (the reference's `epoch_count`).
 */
export function linearLearningRate(
  base: number,
  epoch: number,
  nEpochs: number,
  nEpochsDecay: number,
): number {
  return base * (1 - Math.max(0, epoch - nEpochs) / (nEpochsDecay + 1));
}
