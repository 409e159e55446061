import { tf } from '../../tf';
import { KernelArgs, onednnKernel, shape4D, sizeOf } from '../kernel_util';
import {
  INSTANCE_NORM,
  InstanceNormInputs,
  InstanceNormAttrs,
  instanceNormAttrs,
} from '../../custom_kernels';

export { INSTANCE_NORM };

/**
 * Custom kernel (no TensorFlow.js equivalent): instance normalisation without affine part.
 *
 * x [N,H,W,C] -> [y [N,H,W,C], mean [N,C], invStd [N,C]]: per image and channel,
 * y = (x - mean) * invStd with mean over H and W, the biased variance and
 * invStd = 1 / sqrt(var + epsilon), then the activation of attr negativeSlope (see
 * custom_kernels.ts). mean and invStd are what InstanceNormGrad needs.
 */
export function instanceNorm(
  args: KernelArgs<InstanceNormInputs, InstanceNormAttrs>,
): tf.TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const [batch, height, width, channels] = shape4D(x.shape, INSTANCE_NORM, 'x');
  const xValues = backend.floatValues(x);
  if (xValues === null) throw new Error(`${INSTANCE_NORM}: x must be float32, received ${x.dtype}`);
  const { epsilon, negativeSlope } = instanceNormAttrs(attrs);

  const y = backend.alloc(sizeOf(x.shape));
  const mean = backend.alloc(batch * channels);
  const invStd = backend.alloc(batch * channels);
  backend.native.instanceNorm(
    xValues,
    y,
    mean,
    invStd,
    batch,
    height,
    width,
    channels,
    epsilon,
    negativeSlope,
  );
  return [
    backend.output(y, x.shape),
    backend.output(mean, [batch, channels]),
    backend.output(invStd, [batch, channels]),
  ];
}

export const instanceNormConfig = onednnKernel(INSTANCE_NORM, instanceNorm);
