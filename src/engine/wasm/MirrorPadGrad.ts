import { tf } from '../tf';
import { KernelArgs, f32Offset, heapF32, wasmKernel } from './kernel_util';
import { MIRROR_PAD_GRAD, MirrorPadGradInputs } from '../custom_kernels';

export { MIRROR_PAD_GRAD };

/**
 * Custom kernel (no TensorFlow.js equivalent), as on the onednn backend: the exact gradient of
 * MirrorPad. Every padded cell is a copy of one source cell, so its gradient is added back
 * onto that cell. src/nn/reflection_pad.ts uses it when the backend has it; without it the
 * gradient is composed of slices, reversals, pads and a sum, which on wasm cost ~15× more.
 */

/** For each index along a padded axis, the index of the source cell it copies. */
function sourceIndex(
  size: number,
  [before, after]: [number, number],
  mode: 'reflect' | 'symmetric',
): Int32Array {
  const reflect = mode === 'reflect';
  const limit = reflect ? size - 1 : size;
  if (before < 0 || after < 0 || before > limit || after > limit) {
    throw new Error(
      `${MIRROR_PAD_GRAD}: ${mode} padding of an axis of size ${size} must be within ` +
        `[0, ${limit}], received [${before}, ${after}]`,
    );
  }
  const map = new Int32Array(before + size + after);
  for (let p = 0; p < map.length; p++) {
    const q = p - before;
    if (q < 0) map[p] = reflect ? -q : -q - 1;
    else if (q >= size) map[p] = reflect ? 2 * (size - 1) - q : 2 * size - 1 - q;
    else map[p] = q;
  }
  return map;
}

/** dy (padded shape, rank <= 4, float32) -> dx (the shape before padding). */
export function mirrorPadGrad(
  args: KernelArgs<MirrorPadGradInputs, tf.MirrorPadAttrs>,
): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy } = inputs;
  const { paddings, mode } = attrs;
  if (dy.dtype !== 'float32' || dy.shape.length > 4 || paddings.length !== dy.shape.length) {
    throw new Error(
      `${MIRROR_PAD_GRAD}: expected float32 dy of rank <= 4 and one padding per axis, ` +
        `received ${dy.dtype} [${dy.shape}] and ${paddings.length} paddings`,
    );
  }
  const inShape = dy.shape.map((d, i) => d - paddings[i][0] - paddings[i][1]);

  // As rank 4 [A, B, C, D], leading axes of size 1 unpadded.
  const lead = 4 - dy.shape.length;
  const shape4 = [...Array<number>(lead).fill(1), ...inShape];
  const pads4: Array<[number, number]> = [
    ...Array.from({ length: lead }, (): [number, number] => [0, 0]),
    ...paddings,
  ];
  const [mapA, mapB, mapC, mapD] = shape4.map((size, i) => sourceIndex(size, pads4[i], mode));
  const [, sizeB, sizeC, sizeD] = shape4;
  const paddedD = mapD.length;
  const innerPadded = pads4[3][0] !== 0 || pads4[3][1] !== 0;

  const dx = backend.makeOutput(inShape, 'float32');
  const heap = heapF32(backend);
  const from = f32Offset(backend, dy);
  const to = f32Offset(backend, dx);
  heap.fill(0, to, to + shape4.reduce((a, b) => a * b, 1));
  let src = from;
  for (let a = 0; a < mapA.length; a++) {
    for (let b = 0; b < mapB.length; b++) {
      const rowB = (mapA[a] * sizeB + mapB[b]) * sizeC;
      for (let c = 0; c < mapC.length; c++, src += paddedD) {
        const dst = to + (rowB + mapC[c]) * sizeD;
        if (innerPadded) {
          for (let d = 0; d < paddedD; d++) heap[dst + mapD[d]] += heap[src + d];
        } else {
          for (let d = 0; d < sizeD; d++) heap[dst + d] += heap[src + d];
        }
      }
    }
  }
  return dx;
}

export const mirrorPadGradConfig = wasmKernel(MIRROR_PAD_GRAD, mirrorPadGrad);
