import { tf } from '../../tf';
import {
  convGeometry,
  cpuFallbackOne,
  KernelArgs,
  onednnKernel,
  shape4D,
  sizeOf,
} from '../kernel_util';

type Conv2DArgs = KernelArgs<{ x: tf.TensorInfo; filter: tf.TensorInfo }, tf.Conv2DAttrs>;

/** Codes of the fused activations in native/conv.cc. */
export const ACTIVATION_CODES: Partial<Record<string, number>> = {
  linear: 0,
  relu: 1,
  leakyrelu: 2,
  relu6: 3,
  sigmoid: 4,
  elu: 5,
};

/** NHWC float32 convolution through oneDNN; NCHW and non-float inputs run on the CPU kernel. */
export function conv2D(args: Conv2DArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter } = inputs;
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs;
  const xValues = backend.floatValues(x);
  const filterValues = backend.floatValues(filter);
  if (dataFormat === 'NCHW' || xValues === null || filterValues === null) {
    return cpuFallbackOne(tf.Conv2D, args);
  }

  const convInfo = tf.backend_util.computeConv2DInfo(
    shape4D(x.shape, tf.Conv2D, 'x'),
    shape4D(filter.shape, tf.Conv2D, 'filter'),
    strides,
    dilations,
    pad,
    dimRoundingMode,
  );
  const y = backend.alloc(sizeOf(convInfo.outShape));
  backend.native.conv2d(
    xValues,
    filterValues,
    null,
    y,
    ...convGeometry(convInfo),
    0,
    0,
    backend.dataNumber(filter.dataId),
  );
  return backend.output(y, convInfo.outShape);
}

export const conv2DConfig = onednnKernel(tf.Conv2D, conv2D);
