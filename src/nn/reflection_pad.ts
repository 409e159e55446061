import { tf } from '../engine/tf';

/**
 * Reflection padding of the two spatial axes of an NHWC tensor, as PyTorch's
 * `ReflectionPad2d(p)`: the border row is not repeated.
 *
 * TensorFlow.js's own MirrorPad gradient only slices the centre out of dy, so
 * the padded cells' gradients would be lost. The gradient here folds every
 * pad cell back onto the source cell it copied. A backend that registers a
 * `MirrorPadGrad` kernel (the native one does) computes it in one pass.
 *
 * @param x [N, H, W, C] with H and W greater than p.
 * @returns [N, H + 2p, W + 2p, C]
 */
export function reflectionPad(x: tf.Tensor4D, p: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (p >= h || p >= w) {
    throw new Error(`reflectionPad: padding ${p} needs an image larger than ${p}, got ${h}×${w}`);
  }
  const paddings: Array<[number, number]> = [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ];
  const pad = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const xIn = args[0] as tf.Tensor4D;
    return {
      value: tf.mirrorPad(xIn, paddings, 'reflect'),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => reflectionPadGrad(dy as tf.Tensor4D, p, paddings),
    };
  });
  return pad(x) as tf.Tensor4D;
}

function reflectionPadGrad(
  dy: tf.Tensor4D,
  p: number,
  paddings: Array<[number, number]>,
): tf.Tensor4D {
  if (tf.getKernel('MirrorPadGrad', tf.getBackend()) != null) {
    return tf.engine().runKernel('MirrorPadGrad', { dy }, {
      paddings,
      mode: 'reflect',
    } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  }
  return foldAxis(foldAxis(dy, p, 1), p, 2);
}

/**
 * Folds the p pad rows on each side of `axis` back onto the rows they were
 * reflected from: pad row p−i copies source row i, pad row p+H−1+i copies
 * source row H−1−i (0-based, i = 1..p).
 */
function foldAxis(dy: tf.Tensor4D, p: number, axis: 1 | 2): tf.Tensor4D {
  return tf.tidy(() => {
    const size = dy.shape[axis] - 2 * p;
    const along = (start: number, length: number) => {
      const begin = [0, 0, 0, 0];
      const sizes = [-1, -1, -1, -1];
      begin[axis] = start;
      sizes[axis] = length;
      return tf.slice(dy, begin, sizes);
    };
    const padAlong = (t: tf.Tensor4D, before: number, after: number) => {
      const pads: Array<[number, number]> = [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, 0],
      ];
      pads[axis] = [before, after];
      return tf.pad(t, pads);
    };
    const centre = along(p, size);
    // Leading pad rows, reversed, land on source rows 1..p.
    const lead = padAlong(tf.reverse(along(0, p), axis), 1, size - 1 - p);
    // Trailing pad rows, reversed, land on source rows H−1−p..H−2.
    const trail = padAlong(tf.reverse(along(p + size, p), axis), size - 1 - p, 1);
    return tf.addN([centre, lead, trail]) as tf.Tensor4D;
  });
}
