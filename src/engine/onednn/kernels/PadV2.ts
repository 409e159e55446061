import { tf } from '../../tf';
import { cpuFallbackOne, onednnKernel, paddedShape, padShapeArgs, sizeOf } from '../kernel_util';

/** Constant padding of float32 tensors up to rank 4 (tf.pad; also the gradient of slice). */
export const padV2Config = onednnKernel<{ x: tf.TensorInfo }, tf.PadV2Attrs>(tf.PadV2, (args) => {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const { paddings, constantValue } = attrs;
  const xValues = backend.floatValues(x);
  const shapeArgs = padShapeArgs(x.shape, paddings);
  if (xValues === null || shapeArgs === null) return cpuFallbackOne(tf.PadV2, args);

  const outShape = paddedShape(x.shape, paddings);
  const y = backend.alloc(sizeOf(outShape));
  backend.native.pad(xValues, y, ...shapeArgs, constantValue);
  return backend.output(y, outShape);
});
