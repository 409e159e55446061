import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import { tf } from '../tf';
import {
  KernelArgs,
  copyFloats,
  dispose,
  f32Offset,
  heapF32,
  run,
  shape4D,
  wasmKernel,
} from './kernel_util';

export interface Conv2DBackpropInputInputs {
  dy: tf.TensorInfo;
  filter: tf.TensorInfo;
}

type Attrs = tf.Conv2DBackpropInputAttrs;

const NAME = tf.Conv2DBackpropInput;

/**
 * One spatial axis of a strided convolution's input gradient, split by output residue.
 *
 * With forward stride s, kernel k and leading pad p, dx[h] = Σ_i dy[(h + p − i) / s] · w[i]
 * over the taps i with (h + p − i) divisible by s. For the rows h = s·a + r of one residue r
 * only the taps i = q + s·t with q = (r + p) mod s contribute, and dy's row is a + c − t with
 * c = ⌊(r + p) / s⌋: a stride-1 correlation of dy with the `taps` taps w[q + s·(taps−1−u)],
 * padded by `padBefore` and `padAfter`. So the transposed convolution is s² plain stride-1
 * convolutions (XNNPACK's fast path) whose outputs interleave, with no multiply by a zero.
 */
interface AxisPart {
  residue: number;
  /** First tap of this residue, q. */
  firstTap: number;
  /** Number of taps, ⌈(k − q) / s⌉ (0 when q >= k: those rows of dx are zero). */
  taps: number;
  /** Rows of dx with this residue, ⌈(H − r) / s⌉. */
  rows: number;
  padBefore: number;
  padAfter: number;
}

function axisParts(
  size: number,
  outSize: number,
  kernel: number,
  stride: number,
  pad: number,
): AxisPart[] {
  const parts: AxisPart[] = [];
  for (let residue = 0; residue < stride && residue < size; residue++) {
    const firstTap = (residue + pad) % stride;
    const taps = firstTap < kernel ? Math.ceil((kernel - firstTap) / stride) : 0;
    const shift = Math.floor((residue + pad) / stride);
    const rows = Math.ceil((size - residue) / stride);
    const padBefore = taps - 1 - shift;
    const padAfter = rows - 1 + shift - (outSize - 1);
    parts.push({ residue, firstTap, taps, rows, padBefore, padAfter });
  }
  return parts;
}

/** Taps of one residue pair, flipped and with in/out channels swapped: [th,tw,Co,Ci]. */
function subFilter(
  backend: BackendWasm,
  filterT: tf.TensorInfo,
  rows: AxisPart,
  cols: AxisPart,
  strides: [number, number],
): tf.TensorInfo {
  const [, kw, outChannels, inChannels] = filterT.shape;
  const block = outChannels * inChannels;
  const sub = backend.makeOutput([rows.taps, cols.taps, outChannels, inChannels], 'float32');
  const heap = heapF32(backend);
  const from = f32Offset(backend, filterT);
  const to = f32Offset(backend, sub);
  for (let u = 0; u < rows.taps; u++) {
    const i = rows.firstTap + strides[0] * (rows.taps - 1 - u);
    for (let v = 0; v < cols.taps; v++) {
      const j = cols.firstTap + strides[1] * (cols.taps - 1 - v);
      copyFloats(heap, to + (u * cols.taps + v) * block, from + (i * kw + j) * block, block);
    }
  }
  return sub;
}

/** Writes one residue pair's rows [N,rows,cols,C] into dx [N,H,W,C] (zeros when null). */
function interleave(
  backend: BackendWasm,
  part: tf.TensorInfo | null,
  dx: tf.TensorInfo,
  rows: AxisPart,
  cols: AxisPart,
  strides: [number, number],
): void {
  const [batch, height, width, channels] = dx.shape;
  const heap = heapF32(backend);
  const to = f32Offset(backend, dx);
  const from = part === null ? 0 : f32Offset(backend, part);
  for (let n = 0; n < batch; n++) {
    for (let a = 0; a < rows.rows; a++) {
      const h = strides[0] * a + rows.residue;
      for (let b = 0; b < cols.rows; b++) {
        const dst = to + ((n * height + h) * width + strides[1] * b + cols.residue) * channels;
        if (part === null) {
          heap.fill(0, dst, dst + channels);
        } else {
          copyFloats(heap, dst, from + ((n * rows.rows + a) * cols.rows + b) * channels, channels);
        }
      }
    }
  }
}

/**
 * Gradient of conv2d with respect to its input (and the forward pass of conv2dTranspose),
 * NHWC: dy [N,Ho,Wo,Co], filter [kh,kw,Ci,Co] -> dx [N,H,W,Ci].
 *
 * Replaces the wasm backend's own kernel, a plain loop that runs at a few GFLOP/s: here the
 * work goes to XNNPACK's Conv2D as stride-1 convolutions (see AxisPart). Rare geometries that
 * would need negative padding (a pad larger than the kernel, dy rows that see only padding)
 * and NCHW still go to the backend's own kernel, `fallback`.
 */
export function conv2DBackpropInput(
  args: KernelArgs<Conv2DBackpropInputInputs, Attrs>,
  fallback?: tf.KernelConfig,
): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  const useFallback = (what: string): tf.TensorInfo => {
    if (fallback === undefined) throw new Error(`${NAME}: ${what} is not supported yet on wasm`);
    const out = fallback.kernelFunc({ inputs: { dy, filter }, backend, attrs: { ...attrs } });
    if (Array.isArray(out)) throw new Error(`${NAME}: expected one output`);
    return out;
  };
  if (dataFormat === 'NCHW') return useFallback("dataFormat 'NCHW'");

  const info = tf.backend_util.computeConv2DInfo(
    shape4D(inputShape, NAME, 'inputShape'),
    shape4D(filter.shape, NAME, 'filter'),
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const dyShape = [batchSize, outHeight, outWidth, outChannels];
  if (dy.shape.join() !== dyShape.join()) {
    throw new Error(
      `${NAME}: dy must have shape [${dyShape}] for input [${inputShape}] and filter ` +
        `[${filter.shape}], received [${dy.shape}]`,
    );
  }
  const s: [number, number] = [info.strideHeight, info.strideWidth];
  const rowParts = axisParts(inHeight, outHeight, info.filterHeight, s[0], info.padInfo.top);
  const colParts = axisParts(inWidth, outWidth, info.filterWidth, s[1], info.padInfo.left);
  const needsCrop = (p: AxisPart) => p.taps > 0 && (p.padBefore < 0 || p.padAfter < 0);
  if (rowParts.some(needsCrop) || colParts.some(needsCrop)) {
    return useFallback(`padding ${JSON.stringify(pad)} larger than the kernel`);
  }

  // Stride-1 convolutions of dy, one per residue pair, on the flipped and swapped filter.
  const subs = subFilters(backend, filter, rowParts, colParts, s);
  const convolve = (rows: AxisPart, cols: AxisPart, sub: tf.TensorInfo): tf.TensorInfo =>
    run(
      backend,
      tf.Conv2D,
      { x: dy, filter: sub },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [rows.padBefore, rows.padAfter],
          [cols.padBefore, cols.padAfter],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [1, 1],
      },
    ); // [N, rows.rows, cols.rows, Ci]

  const only = subs.length === 1 ? subs[0] : null;
  if (only !== null && s[0] === 1 && s[1] === 1) {
    const dx = convolve(rowParts[0], colParts[0], only);
    dispose(backend, only);
    return dx;
  }
  const dx = backend.makeOutput([batchSize, inHeight, inWidth, inChannels], 'float32');
  rowParts.forEach((rows, r) =>
    colParts.forEach((cols, c) => {
      const sub = subs[r * colParts.length + c];
      const part = sub === null ? null : convolve(rows, cols, sub);
      interleave(backend, part, dx, rows, cols, s);
      dispose(backend, part, sub);
    }),
  );
  return dx;
}

/** The sub-filter of each residue pair (row-major; null where it has no taps). */
function subFilters(
  backend: BackendWasm,
  filter: tf.TensorInfo,
  rowParts: AxisPart[],
  colParts: AxisPart[],
  strides: [number, number],
): Array<tf.TensorInfo | null> {
  const filterT = run(backend, tf.Transpose, { x: filter }, { perm: [0, 1, 3, 2] });
  const subs = rowParts.flatMap((rows) =>
    colParts.map((cols) =>
      rows.taps > 0 && cols.taps > 0 ? subFilter(backend, filterT, rows, cols, strides) : null,
    ),
  );
  dispose(backend, filterT);
  return subs;
}

/**
 * The config that replaces the backend's own Conv2DBackpropInput, which it keeps as the
 * fallback (and whose setup, binding the C++ function, it still runs).
 */
export function conv2DBackpropInputConfig(fallback: tf.KernelConfig | undefined): tf.KernelConfig {
  return wasmKernel<Conv2DBackpropInputInputs, Attrs>(
    NAME,
    (args) => conv2DBackpropInput(args, fallback),
    fallback?.setupFunc === undefined ? undefined : (backend) => fallback.setupFunc?.(backend),
  );
}
