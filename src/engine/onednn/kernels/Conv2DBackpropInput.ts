import { tf } from '../../tf';
import {
  convGeometry,
  cpuFallbackOne,
  KernelArgs,
  onednnKernel,
  shape4D,
  sizeOf,
} from '../kernel_util';

type Conv2DBackpropInputArgs = KernelArgs<
  { dy: tf.TensorInfo; filter: tf.TensorInfo },
  tf.Conv2DBackpropInputAttrs
>;

/**
 * Gradient of a convolution with respect to its input, and so also tf.conv2dTranspose
 * (which TensorFlow.js runs as this kernel with x as dy and the output shape as inputShape).
 */
export function conv2DBackpropInput(args: Conv2DBackpropInputArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { inputShape, strides, pad, dataFormat, dimRoundingMode } = attrs;
  const dyValues = backend.floatValues(dy);
  const filterValues = backend.floatValues(filter);
  if (dataFormat === 'NCHW' || dyValues === null || filterValues === null) {
    return cpuFallbackOne(tf.Conv2DBackpropInput, args);
  }

  const convInfo = tf.backend_util.computeConv2DInfo(
    inputShape,
    shape4D(filter.shape, tf.Conv2DBackpropInput, 'filter'),
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const dx = backend.alloc(sizeOf(convInfo.inShape));
  backend.native.conv2dBackpropInput(
    dyValues,
    filterValues,
    dx,
    ...convGeometry(convInfo),
    backend.dataNumber(filter.dataId),
  );
  return backend.output(dx, convInfo.inShape);
}

export const conv2DBackpropInputConfig = onednnKernel(tf.Conv2DBackpropInput, conv2DBackpropInput);
