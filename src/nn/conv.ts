import { tf } from '../engine/tf';
import { Params } from './params';

/**
 * Padding as PyTorch's `Conv2d(padding=p)`: p zero rows and columns on every
 * side. TensorFlow's 'same' pads asymmetrically for even kernels and stride
 * 2, so the reference's k3 s2 p1 and k4 p1 layers need explicit pads.
 */
export function torchPad(
  p: number,
): 'valid' | [[0, 0], [number, number], [number, number], [0, 0]] {
  return p === 0
    ? 'valid'
    : [
        [0, 0],
        [p, p],
        [p, p],
        [0, 0],
      ];
}

/**
 * `Conv2d(stride, padding)` with the weights `name.weight` / `name.bias`. The
 * bias is added inside the convolution kernel (FusedConv2D), one kernel and
 * one tensor fewer each way.
 */
export function conv(params: Params, name: string, x: tf.Tensor4D, stride: number, pad: number) {
  const filter = params.get(`${name}.weight`) as tf.Tensor4D;
  const bias = params.get(`${name}.bias`);
  if (!bias) return tf.conv2d(x, filter, stride, torchPad(pad));
  const attrs = {
    strides: [stride, stride],
    pad: torchPad(pad),
    dataFormat: 'NHWC',
    dilations: [1, 1],
    activation: 'linear',
  };
  return tf
    .engine()
    .runKernel(
      'FusedConv2D',
      { x, filter, bias },
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor4D;
}

/**
 * A gradient for the FusedConv2D kernel with a bias and no activation, which
 * TensorFlow.js does not register (its `tf.fused.conv2d` wraps the kernel in
 * a custom gradient instead). Registered, the gradient keeps only x and the
 * filter (not the output and the bias), and computes each input's gradient
 * only when autograd asks for it: none for x when x is a real image. The
 * arithmetic is tfjs's own: Conv2DBackpropInput, Conv2DBackpropFilter, and
 * the bias gradient as dy summed over N, H and W.
 */
function registerFusedConvGradient() {
  // Once per process (a second import of this module must not register it again).
  if (tf.getGradient('FusedConv2D') !== undefined) return;
  tf.registerGradient({
    kernelName: 'FusedConv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as FusedConvAttrs;
      if (a.activation !== 'linear' || a.dataFormat !== 'NHWC') {
        throw new Error(
          `FusedConv2D gradient: only NHWC with a linear activation is supported, ` +
            `received ${a.dataFormat} with ${a.activation}`,
        );
      }
      const g = dy as tf.Tensor4D;
      const common = { strides: a.strides, pad: a.pad, dataFormat: a.dataFormat };
      return {
        x: () =>
          tf.engine().runKernel('Conv2DBackpropInput', { dy: g, filter }, {
            ...common,
            inputShape: x.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
        filter: () =>
          tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: g }, {
            ...common,
            filterShape: filter.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
        bias: () => tf.sum(g, [0, 1, 2]),
      };
    },
  });
}

// At load, as TensorFlow.js registers its own gradients: not on every convolution.
registerFusedConvGradient();

interface FusedConvAttrs {
  strides: [number, number];
  pad: ReturnType<typeof torchPad>;
  dataFormat: string;
  activation: string;
}

/**
 * `ConvTranspose2d(k, stride 2, padding p, output_padding 1)`, which doubles
 * H and W: the transpose of a stride-2 convolution with p pad on every side.
 */
export function convTranspose2x(params: Params, name: string, x: tf.Tensor4D, pad: number) {
  const filter = params.get(`${name}.weight`) as tf.Tensor4D; // [kh, kw, out, in]
  const bias = params.get(`${name}.bias`);
  const [n, h, w] = x.shape;
  const outShape: [number, number, number, number] = [n, 2 * h, 2 * w, filter.shape[2]];
  const y = tf.conv2dTranspose(x, filter, outShape, 2, pad);
  return bias ? (tf.add(y, bias) as tf.Tensor4D) : y;
}
