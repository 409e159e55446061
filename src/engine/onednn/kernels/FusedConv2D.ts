import { tf } from '../../tf';
import {
  convGeometry,
  cpuFallbackOne,
  KernelArgs,
  onednnKernel,
  shape4D,
  sizeOf,
} from '../kernel_util';
import { ACTIVATION_CODES } from './Conv2D';

type FusedConv2DArgs = KernelArgs<
  {
    x: tf.TensorInfo;
    filter: tf.TensorInfo;
    bias?: tf.TensorInfo;
    preluActivationWeights?: tf.TensorInfo;
  },
  tf.FusedConv2DAttrs
>;

/**
 * Convolution + per-channel bias + activation in one oneDNN primitive (bias and activation
 * as post-ops). PReLU, broadcast biases other than [outChannels], and NCHW run on the CPU.
 */
export function fusedConv2D(args: FusedConv2DArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter, bias, preluActivationWeights } = inputs;
  const { strides, pad, dataFormat, dilations, dimRoundingMode, activation, leakyreluAlpha } =
    attrs;
  const activationCode = ACTIVATION_CODES[activation ?? 'linear'];
  const xValues = backend.floatValues(x);
  const filterValues = backend.floatValues(filter);
  const biasValues = bias === undefined ? null : backend.floatValues(bias);
  const outChannels = filter.shape[3];
  if (
    dataFormat === 'NCHW' ||
    activationCode === undefined ||
    preluActivationWeights !== undefined ||
    xValues === null ||
    filterValues === null ||
    (bias !== undefined && (biasValues === null || sizeOf(bias.shape) !== outChannels))
  ) {
    return cpuFallbackOne(tf.FusedConv2D, args);
  }

  const convInfo = tf.backend_util.computeConv2DInfo(
    shape4D(x.shape, tf.FusedConv2D, 'x'),
    shape4D(filter.shape, tf.FusedConv2D, 'filter'),
    strides,
    dilations,
    pad,
    dimRoundingMode,
  );
  const y = backend.alloc(sizeOf(convInfo.outShape));
  backend.native.conv2d(
    xValues,
    filterValues,
    biasValues,
    y,
    ...convGeometry(convInfo),
    activationCode,
    leakyreluAlpha ?? 0.2,
    backend.dataNumber(filter.dataId),
  );
  return backend.output(y, convInfo.outShape);
}

export const fusedConv2DConfig = onednnKernel(tf.FusedConv2D, fusedConv2D);
