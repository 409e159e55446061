/**
 * InstanceNorm / InstanceNormGrad (custom kernels) against a reference written in plain
 * tfjs ops and differentiated by autograd, run on the CPU backend.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import { tf } from '../../../src/engine/tf';
import { instanceNorm } from '../../../src/nn/instance_norm';
import { Rng } from '../../../src/util/rng';
import { assertClose, randomValues, runOn, skipUnlessBuilt, useOnednn } from './support';

const EPSILON = 1e-5;

/** Reference: mean over H, W; biased variance; y = (x - mean) / sqrt(var + eps). */
function referenceInstanceNorm(x: tf.Tensor): tf.Tensor[] {
  const mean = tf.mean(x, [1, 2], true);
  const centred = tf.sub(x, mean);
  const invStd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), [1, 2], true), EPSILON));
  const [n, , , c] = x.shape;
  return [tf.mul(centred, invStd), tf.reshape(mean, [n, c]), tf.reshape(invStd, [n, c])];
}

/** The InstanceNorm kernel alone; gradients go through the model's instanceNorm (src/nn). */
function kernelInstanceNorm(x: tf.Tensor, negativeSlope = 1): tf.Tensor[] {
  const outputs = tf.engine().runKernel('InstanceNorm', { x }, { epsilon: EPSILON, negativeSlope });
  assert.ok(Array.isArray(outputs));
  return outputs;
}

/** The reference norm followed by tfjs's own ReLU or LeakyReLU. */
function referenceActivated(x: tf.Tensor, negativeSlope: number): tf.Tensor {
  const y = referenceInstanceNorm(x)[0];
  return negativeSlope === 0 ? tf.relu(y) : tf.leakyRelu(y, negativeSlope);
}

const SHAPES = [
  [1, 13, 17, 3],
  [3, 5, 7, 64],
  [1, 8, 8, 128],
  [1, 4, 6, 256],
  [2, 3, 3, 1],
];

test('onednn InstanceNorm: hand-computed values', skipUnlessBuilt(), async () => {
  useOnednn();
  // One image, one channel, values 1..4: mean 2.5, variance 1.25.
  const [y, mean, invStd] = await runOn(
    'onednn',
    [{ values: Float32Array.from([1, 2, 3, 4]), shape: [1, 2, 2, 1] }],
    (x) => kernelInstanceNorm(x),
  );
  const s = 1 / Math.sqrt(1.25 + EPSILON);
  assertClose(
    [y, mean, invStd],
    [
      Float32Array.from([-1.5 * s, -0.5 * s, 0.5 * s, 1.5 * s]),
      Float32Array.from([2.5]),
      Float32Array.from([s]),
    ],
    1e-6,
    'values',
  );
});

test(
  'onednn InstanceNorm: forward and gradient match the tfjs-op reference',
  skipUnlessBuilt(),
  async (t) => {
    useOnednn();
    const rng = Rng.derive(11);
    for (const shape of SHAPES) {
      // An offset and a scale per case, so the variance is not trivially 1/3.
      const x = randomValues(rng, shape).map((v) => 3 + 5 * v);
      const dy = randomValues(rng, shape);
      const inputs = [
        { values: x, shape },
        { values: dy, shape },
      ];
      await t.test(`x${shape.join('x')}`, async () => {
        const expected = await runOn('cpu', inputs, (xt, dyt) => [
          ...referenceInstanceNorm(xt),
          tf.grad((a: tf.Tensor) => referenceInstanceNorm(a)[0])(xt, dyt),
        ]);
        const actual = await runOn('onednn', inputs, (xt, dyt) => [
          ...kernelInstanceNorm(xt),
          tf.grad((a: tf.Tensor) => instanceNorm(a as tf.Tensor4D))(xt, dyt),
        ]);
        assertClose(actual, expected, 1e-4, `x${shape.join('x')}`);
      });
    }
  },
);

test(
  'onednn InstanceNorm with ReLU (negativeSlope 0) and LeakyReLU(0.2) fused: forward and gradient match tfjs ops',
  skipUnlessBuilt(),
  async (t) => {
    useOnednn();
    const rng = Rng.derive(12);
    for (const negativeSlope of [0, 0.2]) {
      for (const shape of SHAPES) {
        const x = randomValues(rng, shape).map((v) => 3 + 5 * v);
        const dy = randomValues(rng, shape);
        const inputs = [
          { values: x, shape },
          { values: dy, shape },
        ];
        await t.test(`slope ${negativeSlope} x${shape.join('x')}`, async () => {
          const expected = await runOn('cpu', inputs, (xt, dyt) => [
            referenceActivated(xt, negativeSlope),
            tf.grad((a: tf.Tensor) => referenceActivated(a, negativeSlope))(xt, dyt),
          ]);
          const actual = await runOn('onednn', inputs, (xt, dyt) => [
            kernelInstanceNorm(xt, negativeSlope)[0],
            tf.grad((a: tf.Tensor) => instanceNorm(a as tf.Tensor4D, negativeSlope))(xt, dyt),
          ]);
          assertClose(actual, expected, 1e-4, `slope ${negativeSlope} x${shape.join('x')}`);
        });
      }
    }
  },
);

test(
  'onednn InstanceNorm: a negativeSlope that is not a finite number is refused',
  skipUnlessBuilt(),
  async () => {
    useOnednn();
    await assert.rejects(
      runOn('onednn', [{ values: Float32Array.from([1, 2, 3, 4]), shape: [1, 2, 2, 1] }], (x) =>
        kernelInstanceNorm(x, NaN),
      ),
      { message: 'InstanceNorm: negativeSlope must be a finite number, received NaN' },
    );
  },
);
