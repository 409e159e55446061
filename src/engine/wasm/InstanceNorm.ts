import { tf } from '../tf';
import { KernelArgs, f32Offset, heapF32, shape4D, wasmKernel } from './kernel_util';

/**
 * Custom kernel (no TensorFlow.js equivalent), as on the onednn backend: instance
 * normalisation without the affine part. src/nn/instance_norm.ts runs it, with
 * InstanceNormGrad as its gradient, when the backend has it; composed of tfjs ops instead it
 * takes several passes and allocations (Mean over H and W transposes on wasm).
 */
export const INSTANCE_NORM = 'InstanceNorm';

export interface InstanceNormInputs {
  x: tf.TensorInfo;
}
export interface InstanceNormAttrs {
  epsilon: number;
}

/**
 * x [N,H,W,C] -> [y [N,H,W,C], mean [N,C], invStd [N,C]]: per image and channel,
 * y = (x − mean) · invStd with the mean over H and W, the biased variance and
 * invStd = 1 / √(var + epsilon). Sums are accumulated in float64, in one pass.
 */
export function instanceNorm(
  args: KernelArgs<InstanceNormInputs, InstanceNormAttrs>,
): tf.TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const [batch, height, width, channels] = shape4D(x.shape, INSTANCE_NORM, 'x');
  const { epsilon } = attrs;
  if (x.dtype !== 'float32')
    throw new Error(`${INSTANCE_NORM}: x must be float32, received ${x.dtype}`);
  if (!(epsilon >= 0)) {
    throw new Error(`${INSTANCE_NORM}: epsilon must be a number >= 0, received ${epsilon}`);
  }

  const y = backend.makeOutput(x.shape, 'float32');
  const mean = backend.makeOutput([batch, channels], 'float32');
  const invStd = backend.makeOutput([batch, channels], 'float32');
  const heap = heapF32(backend);
  const [xAt, yAt, meanAt, invStdAt] = [x, y, mean, invStd].map((t) => f32Offset(backend, t));
  const pixels = height * width;
  const sum = new Float64Array(channels);
  const sumSq = new Float64Array(channels);
  for (let n = 0; n < batch; n++) {
    const start = xAt + n * pixels * channels;
    const end = start + pixels * channels;

    // Mean and variance in one pass over x − x[first pixel]: the shift keeps float64 sums of
    // squares free of cancellation when a channel's mean is large against its spread.
    const origin = heap.slice(start, start + channels);
    sum.fill(0);
    sumSq.fill(0);
    for (let i = start; i < end; i += channels) {
      for (let c = 0; c < channels; c++) {
        const d = heap[i + c] - origin[c];
        sum[c] += d;
        sumSq[c] += d * d;
      }
    }
    const mu = heap.subarray(meanAt + n * channels, meanAt + (n + 1) * channels);
    const inv = heap.subarray(invStdAt + n * channels, invStdAt + (n + 1) * channels);
    for (let c = 0; c < channels; c++) {
      const shifted = sum[c] / pixels;
      mu[c] = origin[c] + shifted;
      inv[c] = 1 / Math.sqrt(Math.max(0, sumSq[c] / pixels - shifted * shifted) + epsilon);
    }

    const shift = yAt - xAt;
    for (let i = start; i < end; i += channels) {
      for (let c = 0; c < channels; c++) heap[shift + i + c] = (heap[i + c] - mu[c]) * inv[c];
    }
  }
  return [y, mean, invStd];
}

export const instanceNormConfig = wasmKernel(INSTANCE_NORM, instanceNorm);
