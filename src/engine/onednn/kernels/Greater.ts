import { tf } from '../../tf';
import { broadcastPeriod } from '../elementwise';
import { cpuFallbackOne, onednnKernel, sizeOf } from '../kernel_util';

/** a > b for float32 inputs (same shape, scalar or trailing-block broadcast) -> bool. */
export const greaterConfig = onednnKernel<{ a: tf.TensorInfo; b: tf.TensorInfo }, unknown>(
  tf.Greater,
  (args) => {
    const { inputs, backend } = args;
    const { a, b } = inputs;
    const aValues = backend.floatValues(a);
    const bValues = backend.floatValues(b);
    if (aValues === null || bValues === null) return cpuFallbackOne(tf.Greater, args);
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const aPeriod = broadcastPeriod(a.shape, outShape);
    const bPeriod = broadcastPeriod(b.shape, outShape);
    if (aPeriod === null || bPeriod === null) return cpuFallbackOne(tf.Greater, args);

    const n = sizeOf(outShape);
    const out = new Uint8Array(n);
    backend.native.greater(aValues, aPeriod, bValues, bPeriod, out, n);
    return backend.makeTensorInfo(outShape, 'bool', out);
  },
);
