import { tf } from '../engine/tf';

/** One layer of a network: a function of the previous layer's output. */
export type Layer = (input: tf.Tensor4D) => tf.Tensor4D;

/**
 * Runs `layers` one after the other on x, like PyTorch's `nn.Sequential`,
 * each in its own tidy and each intermediate output disposed once the next
 * layer has used it. What a backward pass does not need (padded copies,
 * pre-activation tensors) is so freed at once, not at the end of the whole
 * forward pass; what it does need, autograd has kept for itself. x stays the
 * caller's.
 */
export function sequential(x: tf.Tensor4D, layers: Layer[]): tf.Tensor4D {
  let h = x;
  for (const layer of layers) {
    const input = h;
    h = tf.tidy(() => layer(input));
    if (input !== x) input.dispose();
  }
  return h;
}
