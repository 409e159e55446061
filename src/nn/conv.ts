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
  return bias
    ? tf.fused.conv2d({ x, filter, strides: stride, pad: torchPad(pad), bias })
    : tf.conv2d(x, filter, stride, torchPad(pad));
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
