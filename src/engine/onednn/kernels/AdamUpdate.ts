import { tf } from '../../tf';
import { KernelArgs, onednnKernel } from '../kernel_util';
import { ADAM_UPDATE, AdamUpdateInputs, AdamUpdateAttrs } from '../../custom_kernels';

export { ADAM_UPDATE };

/**
 * Custom kernel: one fused Adam step for one parameter tensor.
 *
 * param, grad, m, v (one shape, float32) -> [param', m', v']:
 * m' = beta1 m + (1 - beta1) g;  v' = beta2 v + (1 - beta2) g^2;
 * param' = param - stepSize * m' / (sqrt(v') / sqrtBc2 + epsilon).
 */
export function adamUpdate(args: KernelArgs<AdamUpdateInputs, AdamUpdateAttrs>): tf.TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { param, grad, m, v } = inputs;
  const values = [param, grad, m, v].map((t) => backend.floatValues(t));
  const [p, g, mv, vv] = values;
  const shape = param.shape.join();
  if (
    p === null ||
    g === null ||
    mv === null ||
    vv === null ||
    [grad, m, v].some((t) => t.shape.join() !== shape)
  ) {
    throw new Error(
      `${ADAM_UPDATE}: param, grad, m and v must be float32 of one shape, received ` +
        [param, grad, m, v].map((t) => `${t.dtype} [${t.shape}]`).join(', '),
    );
  }

  const n = p.length;
  const [pOut, mOut, vOut] = [backend.alloc(n), backend.alloc(n), backend.alloc(n)];
  const { beta1, beta2, epsilon, stepSize, sqrtBc2 } = attrs;
  backend.native.adamUpdate(
    p,
    g,
    mv,
    vv,
    pOut,
    mOut,
    vOut,
    n,
    beta1,
    beta2,
    epsilon,
    stepSize,
    sqrtBc2,
  );
  return [
    backend.output(pOut, param.shape),
    backend.output(mOut, param.shape),
    backend.output(vOut, param.shape),
  ];
}

export const adamUpdateConfig = onednnKernel(ADAM_UPDATE, adamUpdate);
