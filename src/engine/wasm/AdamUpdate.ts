import { tf } from '../tf';
import { KernelArgs, f32Offset, heapF32, wasmKernel } from './kernel_util';
import { ADAM_UPDATE, AdamUpdateInputs, AdamUpdateAttrs } from '../custom_kernels';

export { ADAM_UPDATE };

/**
 * Custom kernel (no TensorFlow.js equivalent), as on the onednn backend: one fused Adam step
 * for one parameter tensor. src/train/adam.ts uses it when the backend has it. Composed of
 * tfjs ops the step makes nine temporaries per parameter, which its tidy keeps until every
 * parameter is done: hundreds of MB for a CycleGAN, on a wasm heap that cannot pass 4 GB.
 *
 * param, grad, m, v (one shape, float32) -> [param', m', v']:
 * m' = β1·m + (1 − β1)·g;  v' = β2·v + (1 − β2)·g²;  param' = param − stepSize·m' / (√v'/√bc2 + ε),
 * in the order of operations of the composed version.
 */
export function adamUpdate(args: KernelArgs<AdamUpdateInputs, AdamUpdateAttrs>): tf.TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { param, grad, m, v } = inputs;
  const shape = param.shape.join();
  if ([param, grad, m, v].some((t) => t.dtype !== 'float32' || t.shape.join() !== shape)) {
    throw new Error(
      `${ADAM_UPDATE}: param, grad, m and v must be float32 of one shape, received ` +
        [param, grad, m, v].map((t) => `${t.dtype} [${t.shape}]`).join(', '),
    );
  }
  const { beta1, beta2, epsilon, stepSize, sqrtBc2 } = attrs;

  const outputs = [param, m, v].map((t) => backend.makeOutput(t.shape, 'float32'));
  const heap = heapF32(backend);
  const [pAt, gAt, mAt, vAt] = [param, grad, m, v].map((t) => f32Offset(backend, t));
  const [pOut, mOut, vOut] = outputs.map((t) => f32Offset(backend, t));
  const size = tf.util.sizeFromShape(param.shape);
  for (let i = 0; i < size; i++) {
    const g = heap[gAt + i];
    // Rounded to float32 where the composed version stores a tensor.
    const mNew = Math.fround(beta1 * heap[mAt + i] + (1 - beta1) * g);
    const vNew = Math.fround(beta2 * heap[vAt + i] + (1 - beta2) * g * g);
    const denom = Math.fround(Math.sqrt(vNew) / sqrtBc2 + epsilon);
    heap[pOut + i] = heap[pAt + i] - (mNew / denom) * stepSize;
    heap[mOut + i] = mNew;
    heap[vOut + i] = vNew;
  }
  return outputs;
}

export const adamUpdateConfig = wasmKernel(ADAM_UPDATE, adamUpdate);
