import { tf } from '../engine/tf';
import { NamedTensor } from '../io/safetensors';
import { CycleGAN } from '../models/cyclegan';
import { loadTorch, toTorch } from '../nn/params';
import { Adam } from './adam';
import { CheckpointData } from './checkpoint';
import { Rng } from '../util/rng';

/** Where a run stands: the next iteration to run is `iteration` of `epoch`. */
export interface TrainPosition {
  epoch: number;
  iteration: number;
  /** Iterations run since the start of the run. */
  totalIterations: number;
}

/** The model, its optimizers and pools as a checkpoint (weights in PyTorch layout). */
export function checkpointOf(
  model: CycleGAN,
  position: TrainPosition,
  options: Record<string, unknown>,
): CheckpointData {
  const networks: CheckpointData['networks'] = {};
  for (const [name, net] of Object.entries(model.networks)) networks[name] = toTorch(net.params);
  const optimizer: Record<string, NamedTensor> = {};
  const moments = (prefix: string, adam: Adam) => {
    for (const [kind, map] of [
      ['m', adam.m],
      ['v', adam.v],
    ] as const) {
      const asParams = new Map([...map].map(([k, v]) => [`${prefix}.${kind}.${k}`, v]));
      Object.assign(optimizer, toTorch(asParams));
    }
  };
  moments('G', model.optimizerG);
  moments('D', model.optimizerD);
  const pools: Record<string, NamedTensor> = {};
  const a = model.poolA.snapshot();
  const b = model.poolB.snapshot();
  if (a) pools.fake_A = a;
  if (b) pools.fake_B = b;
  return {
    networks,
    optimizer,
    pools,
    state: {
      ...position,
      step: model.step,
      optimizerSteps: { G: model.optimizerG.step, D: model.optimizerD.step },
      poolRng: { A: model.poolA.rngState, B: model.poolB.rngState },
      options,
    },
  };
}

/** Puts a checkpoint back into a model built with the same options. */
export function restoreFrom(model: CycleGAN, data: CheckpointData, source: string): TrainPosition {
  for (const [name, net] of Object.entries(model.networks)) {
    loadTorch(net.params, data.networks[name] ?? {}, `${source}/${name}.safetensors`);
  }
  const restoreMoments = (prefix: string, adam: Adam) => {
    for (const [kind, map] of [
      ['m', adam.m],
      ['v', adam.v],
    ] as const) {
      const asParams = new Map([...map].map(([k, v]) => [`${prefix}.${kind}.${k}`, v]));
      loadTorch(asParams, data.optimizer, `${source}/optimizer.safetensors`);
    }
  };
  restoreMoments('G', model.optimizerG);
  restoreMoments('D', model.optimizerD);
  const s = data.state as {
    epoch: number;
    iteration: number;
    totalIterations: number;
    step: number;
    optimizerSteps: { G: number; D: number };
    poolRng: { A: number[]; B: number[] };
  };
  model.step = s.step;
  model.optimizerG.step = s.optimizerSteps.G;
  model.optimizerD.step = s.optimizerSteps.D;
  model.poolA.restore(data.pools.fake_A, new Rng(s.poolRng.A));
  model.poolB.restore(data.pools.fake_B, new Rng(s.poolRng.B));
  return { epoch: s.epoch, iteration: s.iteration, totalIterations: s.totalIterations };
}

/** Largest |difference| between two models' weights, for resume checks. */
export function maxWeightDifference(a: CycleGAN, b: CycleGAN): number {
  let max = 0;
  for (const [name, net] of Object.entries(a.networks)) {
    const other = b.networks[name as keyof CycleGAN['networks']];
    for (const [k, v] of net.params) {
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(v, other.params.get(k)!))).dataSync()[0]);
      max = Math.max(max, d);
    }
  }
  return max;
}
