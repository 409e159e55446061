/**
 * InstanceNorm and InstanceNormGrad on wasm (custom kernels, as on onednn): values and
 * gradients of the model's instanceNorm against the CPU backend's composed version.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import { tf } from '../../../src/engine/tf';
import { INSTANCE_NORM } from '../../../src/engine/wasm/InstanceNorm';
import { INSTANCE_NORM_GRAD } from '../../../src/engine/wasm/InstanceNormGrad';
import { instanceNorm } from '../../../src/nn/instance_norm';
import { assertSameOnBoth, normal, use } from './support';

test('InstanceNorm on wasm: a channel of 1, 2, 3, 4 has mean 2.5 and variance 1.25', async () => {
  await use('wasm');
  const x = tf.tensor4d([1, 10, 2, 10, 3, 10, 4, 10], [1, 2, 2, 2]);
  const [y, mean, invStd] = tf.engine().runKernel(INSTANCE_NORM, { x }, {
    epsilon: 0,
  } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  assert.deepEqual(Array.from(mean.dataSync()), [2.5, 10]);
  const inv = invStd.dataSync();
  assert.ok(Math.abs(inv[0] - 1 / Math.sqrt(1.25)) < 1e-6);
  const yv = y.dataSync();
  assert.ok(Math.abs(yv[0] + 1.5 / Math.sqrt(1.25)) < 1e-6);
  // A constant channel: variance 0, epsilon 0 -> infinite invStd, as the formula says.
  assert.equal(inv[1], Infinity);
  tf.dispose([x, y, mean, invStd]);
});

test('InstanceNorm: a large offset does not cost precision (mean 1000, spread 1)', async () => {
  const x = normal(40, [1, 8, 8, 3]);
  const shifted = x.values.map((v) => v + 1000);
  await assertSameOnBoth(() => instanceNorm(tf.tensor4d(shifted, [1, 8, 8, 3])), 1e-3);
});

test('InstanceNormGrad: shapes that do not match are refused naming the kernel', async () => {
  await use('wasm');
  const x = tf.zeros([1, 2, 2, 3]);
  const stats = tf.zeros([1, 2]);
  assert.throws(
    () => tf.engine().runKernel(INSTANCE_NORM_GRAD, { dy: x, x, mean: stats, invStd: stats }),
    {
      message:
        'InstanceNormGrad: expected float32 dy [1,2,2,3], mean and invStd [1,3], ' +
        'received dy [1,2,2,3], mean [1,2], invStd [1,2]',
    },
  );
  tf.dispose([x, stats]);
});

for (const [batch, height, width, channels] of [
  [1, 9, 7, 3],
  [3, 5, 6, 64],
  [2, 4, 4, 1],
]) {
  for (const negativeSlope of [1, 0, 0.2]) {
    const name = `x[${batch},${height},${width},${channels}] negativeSlope ${negativeSlope}`;
    test(`instanceNorm ${name}: values and gradient on wasm match cpu`, async () => {
      const x = normal(41, [batch, height, width, channels]);
      const w = normal(42, [batch, height, width, channels]);
      await assertSameOnBoth(() => {
        const input = tf.tensor4d(x.values, x.shape as [number, number, number, number]);
        const weights = tf.tensor(w.values, w.shape);
        const norm = (t: tf.Tensor) => instanceNorm(t as tf.Tensor4D, negativeSlope);
        const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(norm(t), weights)));
        return [norm(input), dx(input)];
      });
    });
  }
}
