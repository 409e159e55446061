import { tf } from '../engine/tf';

/**
 * Instance normalisation without affine parameters (PyTorch's
 * `InstanceNorm2d(C)` defaults): each image and channel is normalised over
 * its own H×W with the biased variance, y = (x − μ) / sqrt(σ² + ε), then the
 * activation that follows it in the networks: `negativeSlope` 0 is ReLU,
 * 0.2 is LeakyReLU(0.2), 1 (the default) is none.
 *
 * Backends that register the `InstanceNorm` / `InstanceNormGrad` kernels
 * (onednn and wasm do) run norm and activation as one kernel each way, which
 * keeps only x for the backward pass. Elsewhere the norm is composed from
 * tfjs ops with its closed-form gradient, which takes half the kernels that
 * autograd through the composition would:
 *   dx = σ⁻¹ · (dy − mean(dy) − y · mean(dy · y)), means over H×W,
 * and the activation is tfjs's own.
 *
 * @param x [N, H, W, C]
 */
export function instanceNorm(x: tf.Tensor4D, negativeSlope = 1, epsilon = 1e-5): tf.Tensor4D {
  const fusedKernel = tf.getKernel('InstanceNorm', tf.getBackend()) != null;
  if (!fusedKernel && negativeSlope !== 1) {
    const y = instanceNorm(x, 1, epsilon);
    return negativeSlope === 0 ? tf.relu(y) : tf.leakyRelu(y, negativeSlope);
  }
  const norm = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const input = args[0] as tf.Tensor4D;
    const save = args[1] as tf.GradSaveFunc;
    if (fusedKernel) {
      const [y, mean, invStd] = tf
        .engine()
        .runKernel('InstanceNorm', { x: input }, { epsilon, negativeSlope }) as tf.Tensor[];
      save([input, mean, invStd]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
          tf
            .engine()
            .runKernel(
              'InstanceNormGrad',
              { dy: dy as tf.Tensor, x: saved[0], mean: saved[1], invStd: saved[2] },
              { negativeSlope },
            ) as tf.Tensor,
      };
    }
    const mean = tf.mean(input, [1, 2], true);
    const centred = tf.sub(input, mean);
    const invStd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), [1, 2], true), epsilon));
    const y = tf.mul(centred, invStd);
    save([y, invStd]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [yS, invStdS] = saved;
        const g = dy as tf.Tensor;
        const meanDy = tf.mean(g, [1, 2], true);
        const meanDyY = tf.mean(tf.mul(g, yS), [1, 2], true);
        return tf.mul(tf.sub(tf.sub(g, meanDy), tf.mul(yS, meanDyY)), invStdS);
      },
    };
  });
  return norm(x) as tf.Tensor4D;
}
