import { tf } from '../tf';
import { KernelArgs, dispose, run, shape4D, wasmKernel } from './kernel_util';

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
 * The wasm backend has no kernel for it. It is itself a convolution, which XNNPACK runs fast
 * (threaded, SIMD): with the image's channels as the batch and its batch as the channels,
 * xT [Ci,H,W,N] convolved with dy as the filter [Ho,Wo,N,Co], dilated by the forward stride and
 * padded like the forward pass, gives [Ci,kh',kw',Co] with kh' >= kh. The first kh×kw taps,
 * transposed to [kh,kw,Ci,Co], are dW. No im2col buffer is built.
 */
export function conv2DBackpropFilter(
  args: KernelArgs<Conv2DBackpropFilterInputs, tf.Conv2DBackpropFilterAttrs>,
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
  const { filterHeight, filterWidth, inChannels, outChannels, outHeight, outWidth } = info;
  if (dy.shape[1] !== outHeight || dy.shape[2] !== outWidth || outChannelsDy !== outChannels) {
    throw new Error(
      `${NAME}: dy must have shape [${batch},${outHeight},${outWidth},${outChannels}] for x ` +
        `[${x.shape}] and filter [${filterShape}], received [${dy.shape}]`,
    );
  }
  const { top, bottom, left, right } = info.padInfo;

  // Swap batch and channels: xT [Ci,H,W,N], dyFilter [Ho,Wo,N,Co].
  const xT = run(backend, tf.Transpose, { x }, { perm: [3, 1, 2, 0] });
  const dyFilter =
    batch === 1
      ? run(backend, tf.Reshape, { x: dy }, { shape: [outHeight, outWidth, 1, outChannels] })
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
      dimRoundingMode,
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

export const conv2DBackpropFilterConfig = wasmKernel(NAME, conv2DBackpropFilter);
