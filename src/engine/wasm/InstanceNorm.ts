import { tf } from '../tf';
import { KernelArgs, f32Offset, heapF32, shape4D, wasmKernel } from './kernel_util';
import {
  INSTANCE_NORM,
  InstanceNormInputs,
  InstanceNormAttrs,
  instanceNormAttrs,
} from '../custom_kernels';

export { INSTANCE_NORM };

/**
 * Custom kernel (no TensorFlow.js equivalent), as on the onednn backend: instance
 * normalisation without the affine part. src/nn/instance_norm.ts runs it, with
 * InstanceNormGrad as its gradient, when the backend has it; composed of tfjs ops instead it
 * takes several passes and allocations (Mean over H and W transposes on wasm).
 *
 * x [N,H,W,C] -> [y [N,H,W,C], mean [N,C], invStd [N,C]]: per image and channel,
 * y = (x − mean) · invStd with the mean over H and W, the biased variance and
 * invStd = 1 / √(var + epsilon), then the activation of attr negativeSlope (see
 * custom_kernels.ts). Sums are accumulated in float64.
 */
export function instanceNorm(
  args: KernelArgs<InstanceNormInputs, InstanceNormAttrs>,
): tf.TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const [batch, height, width, channels] = shape4D(x.shape, INSTANCE_NORM, 'x');
  if (x.dtype !== 'float32')
    throw new Error(`${INSTANCE_NORM}: x must be float32, received ${x.dtype}`);
  const { epsilon, negativeSlope } = instanceNormAttrs(attrs);
  const slope = Math.fround(negativeSlope);

  const y = backend.makeOutput(x.shape, 'float32');
  const mean = backend.makeOutput([batch, channels], 'float32');
  const invStd = backend.makeOutput([batch, channels], 'float32');
  const heap = heapF32(backend);
  const [xAt, yAt, meanAt, invStdAt] = [x, y, mean, invStd].map((t) => f32Offset(backend, t));
  const pixels = height * width;
  const sum = new Float64Array(channels);
  const f = Math.fround;
  const eps = f(epsilon);
  for (let n = 0; n < batch; n++) {
    const start = xAt + n * pixels * channels;
    const end = start + pixels * channels;
    const mu = heap.subarray(meanAt + n * channels, meanAt + (n + 1) * channels);
    const inv = heap.subarray(invStdAt + n * channels, invStdAt + (n + 1) * channels);

    // Three passes, statistics rounded to float where the composed tf ops round them: where a
    // channel's mean is large against its spread, one-pass formulas drift (measured on onednn:
    // 7e-4 in deep weight gradients after nine residual blocks).
    sum.fill(0);
    for (let i = start; i < end; i += channels) {
      for (let c = 0; c < channels; c++) sum[c] += heap[i + c];
    }
    for (let c = 0; c < channels; c++) mu[c] = f(sum[c]) / pixels;
    sum.fill(0);
    for (let i = start; i < end; i += channels) {
      for (let c = 0; c < channels; c++) {
        const d = f(heap[i + c] - mu[c]);
        sum[c] += d * d;
      }
    }
    for (let c = 0; c < channels; c++) inv[c] = 1 / Math.sqrt(f(f(f(sum[c]) / pixels) + eps));

    const shift = yAt - xAt;
    for (let i = start; i < end; i += channels) {
      for (let c = 0; c < channels; c++) {
        const v = f(f(heap[i + c] - mu[c]) * inv[c]);
        heap[shift + i + c] = f(Math.max(v, 0) + f(slope * Math.min(v, 0)));
      }
    }
  }
  return [y, mean, invStd];
}

export const instanceNormConfig = wasmKernel(INSTANCE_NORM, instanceNorm);
