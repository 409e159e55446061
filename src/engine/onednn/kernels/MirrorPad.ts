import { tf } from '../../tf';
import {
  cpuFallbackOne,
  KernelArgs,
  mirrorPadArgs,
  onednnKernel,
  paddedShape,
  sizeOf,
} from '../kernel_util';

/** Reflect / symmetric padding of float32 tensors up to rank 4 (row copies in C++). */
export function mirrorPad(
  args: KernelArgs<{ x: tf.TensorInfo }, tf.MirrorPadAttrs>,
): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const { paddings, mode } = attrs;
  const xValues = backend.floatValues(x);
  const padArgs = mirrorPadArgs(x.shape, paddings, mode);
  if (xValues === null || padArgs === null) return cpuFallbackOne(tf.MirrorPad, args);

  const outShape = paddedShape(x.shape, paddings);
  const y = backend.alloc(sizeOf(outShape));
  backend.native.mirrorPad(xValues, y, ...padArgs);
  return backend.output(y, outShape);
}

export const mirrorPadConfig = onednnKernel(tf.MirrorPad, mirrorPad);
