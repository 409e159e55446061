import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import { tf } from '../tf';
import {
  KernelArgs,
  copyFloats,
  dispose,
  f32Offset,
  heapF32,
  privateCopy,
  run,
  shape4D,
  wasmKernel,
} from './kernel_util';

export interface Conv2DBackpropFilterInputs {
  x: tf.TensorInfo;
  dy: tf.TensorInfo;
}

const NAME = tf.Conv2DBackpropFilter;

/**
 * Gradient of conv2d with respect to its filter, for NHWC:
 * x [N,H,W,Ci], dy [N,Ho,Wo,Co] -> dW [kh,kw,Ci,Co], dW[i,j,ci,co] = Σ_{n,oh,ow}
 * xpad[n, oh·s+i, ow·s+j, ci] · dy[n,oh,ow,co].
 *
 * The wasm backend has no kernel for it. Both ways here hand the arithmetic to XNNPACK
 * (threaded, SIMD), through the backend's own BatchMatMul or Conv2D kernels; at 64 and 256
 * channels the product runs about as fast as the forward convolution.
 */
export function conv2DBackpropFilter(
  args: KernelArgs<Conv2DBackpropFilterInputs, tf.Conv2DBackpropFilterAttrs>,
  maxColumnFloats = MAX_COLUMN_FLOATS,
): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (dataFormat === 'NCHW') {
    throw new Error(`${NAME}: dataFormat 'NCHW' is not supported yet on wasm; use 'NHWC'`);
  }
  const xShape = shape4D(x.shape, NAME, 'x');
  const [batch, , , outChannelsDy] = shape4D(dy.shape, NAME, 'dy');
  const info = tf.backend_util.computeConv2DInfo(
    xShape,
    shape4D(filterShape, NAME, 'filterShape'),
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { outChannels, outHeight, outWidth } = info;
  if (dy.shape[1] !== outHeight || dy.shape[2] !== outWidth || outChannelsDy !== outChannels) {
    throw new Error(
      `${NAME}: dy must have shape [${batch},${outHeight},${outWidth},${outChannels}] for x ` +
        `[${x.shape}] and filter [${filterShape}], received [${dy.shape}]`,
    );
  }
  // XNNPACK's matrix kernels compute 8 or more output channels at a time: for the few-channel
  // layers (the generator's last, to RGB) the product would waste most of each tile.
  return outChannels >= MIN_MATMUL_CHANNELS
    ? viaMatMul(backend, x, dy, info, maxColumnFloats)
    : viaConvolution(backend, x, dy, info);
}

/**
 * dW as one convolution: with the image's channels as the batch and its batch as the channels,
 * xT [Ci,H,W,N] convolved with dy as the filter [Ho,Wo,N,Co], dilated by the forward stride and
 * padded like the forward pass, gives [Ci,kh',kw',Co] with kh' >= kh. The first kh×kw taps,
 * transposed to [kh,kw,Ci,Co], are dW.
 */
function viaConvolution(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize, filterHeight, filterWidth, inChannels, outChannels } = info;
  const { top, bottom, left, right } = info.padInfo;
  const xT = run(backend, tf.Transpose, { x }, { perm: [3, 1, 2, 0] });
  const dyFilter =
    batchSize === 1
      ? privateCopy(backend, dy, [info.outHeight, info.outWidth, 1, outChannels])
      : run(backend, tf.Transpose, { x: dy }, { perm: [1, 2, 0, 3] });
  const taps = run(
    backend,
    tf.Conv2D,
    { x: xT, filter: dyFilter },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [info.strideHeight, info.strideWidth],
    },
  ); // [Ci, kh', kw', Co]
  dispose(backend, xT, dyFilter);

  let kept = taps;
  if (taps.shape[1] !== filterHeight || taps.shape[2] !== filterWidth) {
    kept = run(
      backend,
      tf.Slice,
      { x: taps },
      { begin: [0, 0, 0, 0], size: [inChannels, filterHeight, filterWidth, outChannels] },
    );
    dispose(backend, taps);
  }
  const dW = run(backend, tf.Transpose, { x: kept }, { perm: [1, 2, 0, 3] });
  dispose(backend, kept);
  return dW;
}

/** Fewest output channels for which viaMatMul beats viaConvolution (measured: 3 and 64). */
const MIN_MATMUL_CHANNELS = 8;

/** Floats of im2col matrix built at a time (64 MB): bounds the memory of the big layers. */
const MAX_COLUMN_FLOATS = 1 << 24;

/**
 * dW by im2col and one matrix product per group of taps: cols [taps·Ci, N·Ho·Wo] (row
 * (i,j,ci) holds the input pixels that tap meets) times dy [N·Ho·Wo, Co] gives the rows
 * (i,j,ci) of dW [kh·kw·Ci, Co], which is the filter layout already. The product is XNNPACK's
 * (BatchMatMul, threaded); dy is its right-hand side, packed once for all groups.
 */
function viaMatMul(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  maxColumnFloats: number,
): tf.TensorInfo {
  const { filterHeight, filterWidth, inChannels, outChannels } = info;
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  const taps = filterHeight * filterWidth;
  const tapsPerGroup = Math.max(
    1,
    Math.min(taps, Math.floor(maxColumnFloats / (inChannels * pixels))),
  );

  // Channels first, so that a row of cols copies runs of the input: xT [Ci, N, H, W].
  const xT = run(backend, tf.Transpose, { x }, { perm: [3, 0, 1, 2] });
  const dy2D = privateCopy(backend, dy, [1, pixels, outChannels]);
  const dW = backend.makeOutput([filterHeight, filterWidth, inChannels, outChannels], 'float32');
  for (let first = 0; first < taps; first += tapsPerGroup) {
    const count = Math.min(tapsPerGroup, taps - first);
    const cols = backend.makeOutput([1, count * inChannels, pixels], 'float32');
    im2col(backend, xT, cols, info, first, count);
    const rows = run(
      backend,
      tf.BatchMatMul,
      { a: cols, b: dy2D },
      { transposeA: false, transposeB: false },
    );
    dispose(backend, cols);
    const heap = heapF32(backend);
    const block = count * inChannels * outChannels;
    const to = f32Offset(backend, dW) + first * inChannels * outChannels;
    heap.copyWithin(to, f32Offset(backend, rows), f32Offset(backend, rows) + block);
    dispose(backend, rows);
  }
  dispose(backend, xT, dy2D);
  return dW;
}

/**
 * Fills cols [count·Ci, N·Ho·Wo] for taps first..first+count−1 (tap t = i·kw + j): row
 * (t,ci), column (n,oh,ow) is x[n, oh·sh + i − top, ow·sw + j − left, ci], 0 in the padding.
 */
function im2col(
  backend: BackendWasm,
  xT: tf.TensorInfo,
  cols: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  first: number,
  count: number,
): void {
  const [channels, batch, height, width] = xT.shape;
  const { outHeight, outWidth, strideHeight, strideWidth, filterWidth } = info;
  const { top, left } = info.padInfo;
  const pixels = batch * outHeight * outWidth;
  const heap = heapF32(backend);
  const src = f32Offset(backend, xT);
  let row = f32Offset(backend, cols);
  for (let t = first; t < first + count; t++) {
    const i = Math.floor(t / filterWidth);
    const j = t % filterWidth;
    // Output columns whose input column lies inside x: [owStart, owEnd).
    const shift = j - left;
    const owStart = Math.min(outWidth, Math.max(0, Math.ceil(-shift / strideWidth)));
    const owEnd = Math.max(owStart, Math.min(outWidth, Math.ceil((width - shift) / strideWidth)));
    for (let c = 0; c < channels; c++, row += pixels) {
      for (let n = 0; n < batch; n++) {
        for (let oh = 0; oh < outHeight; oh++) {
          const out = row + (n * outHeight + oh) * outWidth;
          const h = oh * strideHeight + i - top;
          if (h < 0 || h >= height) {
            heap.fill(0, out, out + outWidth);
            continue;
          }
          heap.fill(0, out, out + owStart);
          heap.fill(0, out + owEnd, out + outWidth);
          const line = src + ((c * batch + n) * height + h) * width + shift;
          if (strideWidth === 1) {
            copyFloats(heap, out + owStart, line + owStart, owEnd - owStart);
          } else {
            for (let ow = owStart; ow < owEnd; ow++) heap[out + ow] = heap[line + ow * strideWidth];
          }
        }
      }
    }
  }
}

export const conv2DBackpropFilterConfig = wasmKernel<
  Conv2DBackpropFilterInputs,
  tf.Conv2DBackpropFilterAttrs
>(NAME, (args) => conv2DBackpropFilter(args));
