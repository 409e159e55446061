import { tf } from '../../tf';
import { KernelArgs, mirrorPadArgs, onednnKernel, sizeOf } from '../kernel_util';
import { MIRROR_PAD_GRAD, MirrorPadGradInputs } from '../../custom_kernels';

export { MIRROR_PAD_GRAD };

/**
 * Custom kernel: the exact gradient of MirrorPad. Every padded cell copied one source cell,
 * so its gradient is added back onto that cell (TensorFlow.js's own MirrorPad gradient only
 * slices out the centre and loses these contributions).
 */

/** dy (padded shape) -> dx (the shape before padding). */
export function mirrorPadGrad(
  args: KernelArgs<MirrorPadGradInputs, tf.MirrorPadAttrs>,
): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy } = inputs;
  const { paddings, mode } = attrs;
  if (paddings.length !== dy.shape.length) {
    throw new Error(
      `${MIRROR_PAD_GRAD}: paddings must have ${dy.shape.length} entries (rank of dy), ` +
        `received ${paddings.length}`,
    );
  }
  const inShape = dy.shape.map((d, i) => d - paddings[i][0] - paddings[i][1]);
  const dyValues = backend.floatValues(dy);
  const padArgs = mirrorPadArgs(inShape, paddings, mode ?? 'reflect');
  if (dyValues === null || padArgs === null) {
    throw new Error(
      `${MIRROR_PAD_GRAD}: dy must be float32 of rank <= 4, received ${dy.dtype} [${dy.shape}]`,
    );
  }

  const dx = backend.alloc(sizeOf(inShape));
  backend.native.mirrorPadGrad(dyValues, dx, ...padArgs);
  return backend.output(dx, inShape);
}

export const mirrorPadGradConfig = onednnKernel(MIRROR_PAD_GRAD, mirrorPadGrad);
