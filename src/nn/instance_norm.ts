import { tf } from '../engine/tf';

/**
 * Instance normalisation without affine parameters (PyTorch's
 * `InstanceNorm2d(C)` defaults): each image and channel is normalised over
 * its own H×W with the biased variance, y = (x − μ) / sqrt(σ² + ε).
 *
 * Backends that register the `InstanceNorm` / `InstanceNormGrad` kernels
 * (the native oneDNN one does) run it fused with its own gradient; elsewhere
 * it is composed from tfjs ops and differentiated by autograd.
 *
 * @param x [N, H, W, C]
 */
export function instanceNorm(x: tf.Tensor4D, epsilon = 1e-5): tf.Tensor4D {
  if (tf.getKernel('InstanceNorm', tf.getBackend()) == null) {
    return tf.tidy(() => {
      const mean = tf.mean(x, [1, 2], true);
      const centred = tf.sub(x, mean);
      const variance = tf.mean(tf.square(centred), [1, 2], true);
      return tf.mul(centred, tf.rsqrt(tf.add(variance, epsilon))) as tf.Tensor4D;
    });
  }
  const fused = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const input = args[0] as tf.Tensor4D;
    const save = args[1] as tf.GradSaveFunc;
    const [y, mean, invStd] = tf.engine().runKernel(
      'InstanceNorm',
      { x: input },
      {
        epsilon,
      },
    ) as tf.Tensor[];
    save([input, mean, invStd]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        tf.engine().runKernel('InstanceNormGrad', {
          dy: dy as tf.Tensor,
          x: saved[0],
          mean: saved[1],
          invStd: saved[2],
        }) as tf.Tensor,
    };
  });
  return fused(x) as tf.Tensor4D;
}
