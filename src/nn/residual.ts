import { tf } from '../engine/tf';

/**
 * x + r for the skip connection of a residual block, x and r of one shape.
 *
 * TensorFlow.js's Add keeps both inputs for its backward pass (it needs their
 * shapes to undo broadcasting). Without broadcasting the gradient is dy for
 * both, so this keeps nothing: two activations fewer per block held until
 * the backward pass, 9 blocks × 2 per image in a resnet_9blocks generator.
 */
export function residualAdd(x: tf.Tensor4D, r: tf.Tensor4D): tf.Tensor4D {
  if (x.shape.join() !== r.shape.join()) {
    throw new Error(`residualAdd: shapes differ, [${x.shape}] and [${r.shape}]`);
  }
  const add = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: tf.add(args[0] as tf.Tensor, args[1] as tf.Tensor),
    // Two tensor objects over one buffer: tfjs's own backward pass disposes a gradient
    // when it adds another into it, which must not free the other input's.
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [dy as tf.Tensor, (dy as tf.Tensor).clone()],
  }));
  return add(x, r) as tf.Tensor4D;
}
