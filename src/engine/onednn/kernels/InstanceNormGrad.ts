import { tf } from '../../tf';
import { KernelArgs, onednnKernel, shape4D, sizeOf } from '../kernel_util';
import {
  INSTANCE_NORM_GRAD,
  InstanceNormGradAttrs,
  InstanceNormGradInputs,
  negativeSlopeOf,
} from '../../custom_kernels';

export { INSTANCE_NORM_GRAD };

/**
 * Custom kernel: gradient of InstanceNorm with respect to x.
 *
 * dy, x [N,H,W,C], mean, invStd [N,C] (from InstanceNorm) -> dx [N,H,W,C]:
 * dx = invStd * (g - mean_hw(g) - xhat * mean_hw(g * xhat)), xhat = (x - mean) * invStd,
 * g = dy where x > mean, negativeSlope * dy elsewhere (the activation's gradient).
 */
export function instanceNormGrad(
  args: KernelArgs<InstanceNormGradInputs, InstanceNormGradAttrs>,
): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const negativeSlope = negativeSlopeOf(INSTANCE_NORM_GRAD, attrs);
  const { dy, x, mean, invStd } = inputs;
  const [batch, height, width, channels] = shape4D(x.shape, INSTANCE_NORM_GRAD, 'x');
  const values = [dy, x, mean, invStd].map((t) => backend.floatValues(t));
  const [dyValues, xValues, meanValues, invStdValues] = values;
  if (dyValues === null || xValues === null || meanValues === null || invStdValues === null) {
    throw new Error(`${INSTANCE_NORM_GRAD}: dy, x, mean and invStd must be float32`);
  }
  if (dy.shape.join() !== x.shape.join() || sizeOf(mean.shape) !== batch * channels) {
    throw new Error(
      `${INSTANCE_NORM_GRAD}: expected dy [${x.shape}] and mean [${batch},${channels}], ` +
        `received dy [${dy.shape}] and mean [${mean.shape}]`,
    );
  }

  const dx = backend.alloc(sizeOf(x.shape));
  backend.native.instanceNormGrad(
    dyValues,
    xValues,
    meanValues,
    invStdValues,
    dx,
    batch,
    height,
    width,
    channels,
    negativeSlope,
  );
  return backend.output(dx, x.shape);
}

export const instanceNormGradConfig = onednnKernel(INSTANCE_NORM_GRAD, instanceNormGrad);
