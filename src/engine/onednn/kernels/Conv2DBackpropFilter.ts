import { tf } from '../../tf';
import {
  convGeometry,
  cpuFallbackOne,
  KernelArgs,
  onednnKernel,
  shape4D,
  sizeOf,
} from '../kernel_util';

type Conv2DBackpropFilterArgs = KernelArgs<
  { x: tf.TensorInfo; dy: tf.TensorInfo },
  tf.Conv2DBackpropFilterAttrs
>;

/** Gradient of a convolution with respect to its filter, written in HWIO like the filter. */
export function conv2DBackpropFilter(args: Conv2DBackpropFilterArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  const xValues = backend.floatValues(x);
  const dyValues = backend.floatValues(dy);
  if (dataFormat === 'NCHW' || xValues === null || dyValues === null) {
    return cpuFallbackOne(tf.Conv2DBackpropFilter, args);
  }

  const convInfo = tf.backend_util.computeConv2DInfo(
    shape4D(x.shape, tf.Conv2DBackpropFilter, 'x'),
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const dw = backend.alloc(sizeOf(convInfo.filterShape));
  backend.native.conv2dBackpropFilter(xValues, dyValues, dw, ...convGeometry(convInfo));
  return backend.output(dw, convInfo.filterShape);
}

export const conv2DBackpropFilterConfig = onednnKernel(
  tf.Conv2DBackpropFilter,
  conv2DBackpropFilter,
);
