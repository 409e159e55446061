import { tf } from '../tf';
import { KernelArgs, f32Offset, heapF32, shape4D, wasmKernel } from './kernel_util';
import {
  INSTANCE_NORM_GRAD,
  InstanceNormGradAttrs,
  InstanceNormGradInputs,
  negativeSlopeOf,
} from '../custom_kernels';

export { INSTANCE_NORM_GRAD };

/**
 * Custom kernel: gradient of InstanceNorm with respect to x.
 *
 * dy, x [N,H,W,C], mean, invStd [N,C] (from InstanceNorm) -> dx [N,H,W,C]:
 * dx = invStd · (g − mean_hw(g) − x̂ · mean_hw(g · x̂)), x̂ = (x − mean) · invStd,
 * g = dy where x > mean, negativeSlope · dy elsewhere (the activation's gradient).
 */
export function instanceNormGrad(
  args: KernelArgs<InstanceNormGradInputs, InstanceNormGradAttrs>,
): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  // Rounded to float32, as the forward kernel, onednn and tfjs's LeakyRelu gradient use it.
  const slope = Math.fround(negativeSlopeOf(INSTANCE_NORM_GRAD, attrs));
  const { dy, x, mean, invStd } = inputs;
  const [batch, height, width, channels] = shape4D(x.shape, INSTANCE_NORM_GRAD, 'x');
  const stats = [batch, channels].join();
  if (
    [dy, x, mean, invStd].some((t) => t.dtype !== 'float32') ||
    dy.shape.join() !== x.shape.join() ||
    mean.shape.join() !== stats ||
    invStd.shape.join() !== stats
  ) {
    throw new Error(
      `${INSTANCE_NORM_GRAD}: expected float32 dy [${x.shape}], mean and invStd ` +
        `[${batch},${channels}], received dy [${dy.shape}], mean [${mean.shape}], ` +
        `invStd [${invStd.shape}]`,
    );
  }

  const dx = backend.makeOutput(x.shape, 'float32');
  const heap = heapF32(backend);
  const [dyAt, xAt, meanAt, invStdAt, dxAt] = [dy, x, mean, invStd, dx].map((t) =>
    f32Offset(backend, t),
  );
  const pixels = height * width;
  const sumDy = new Float64Array(channels);
  const sumDyXhat = new Float64Array(channels);
  for (let n = 0; n < batch; n++) {
    const mu = heap.subarray(meanAt + n * channels, meanAt + (n + 1) * channels);
    const inv = heap.subarray(invStdAt + n * channels, invStdAt + (n + 1) * channels);
    const first = n * pixels * channels;
    const last = first + pixels * channels;

    sumDy.fill(0);
    sumDyXhat.fill(0);
    for (let i = first; i < last; i += channels) {
      for (let c = 0; c < channels; c++) {
        const above = heap[xAt + i + c] > mu[c];
        const g = above ? heap[dyAt + i + c] : Math.fround(slope * heap[dyAt + i + c]);
        sumDy[c] += g;
        sumDyXhat[c] += g * (heap[xAt + i + c] - mu[c]) * inv[c];
      }
    }
    for (let c = 0; c < channels; c++) {
      sumDy[c] /= pixels;
      sumDyXhat[c] /= pixels;
    }
    for (let i = first; i < last; i += channels) {
      for (let c = 0; c < channels; c++) {
        const xhat = (heap[xAt + i + c] - mu[c]) * inv[c];
        const above = heap[xAt + i + c] > mu[c];
        const g = above ? heap[dyAt + i + c] : Math.fround(slope * heap[dyAt + i + c]);
        heap[dxAt + i + c] = inv[c] * (g - sumDy[c] - xhat * sumDyXhat[c]);
      }
    }
  }
  return dx;
}

export const instanceNormGradConfig = wasmKernel(INSTANCE_NORM_GRAD, instanceNormGrad);
