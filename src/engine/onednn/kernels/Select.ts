import { tf } from '../../tf';
import { cpuFallbackOne, onednnKernel, sizeOf } from '../kernel_util';

/** condition ? t : e with a bool condition of t's shape and float32 t, e (tf.where). */
export const selectConfig = onednnKernel<
  { condition: tf.TensorInfo; t: tf.TensorInfo; e: tf.TensorInfo },
  unknown
>(tf.Select, (args) => {
  const { inputs, backend } = args;
  const { condition, t, e } = inputs;
  const cond = condition.dtype === 'bool' ? backend.data.get(condition.dataId).values : null;
  const tValues = backend.floatValues(t);
  const eValues = backend.floatValues(e);
  const n = sizeOf(t.shape);
  if (
    !(cond instanceof Uint8Array) ||
    tValues === null ||
    eValues === null ||
    sizeOf(condition.shape) !== n ||
    sizeOf(e.shape) !== n
  ) {
    return cpuFallbackOne(tf.Select, args);
  }

  const out = backend.alloc(n);
  backend.native.select(cond, tValues, eValues, out, n);
  return backend.output(out, t.shape);
});
