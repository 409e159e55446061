/**
 * AdamUpdate (custom kernel) against Adam written in tfjs ops (PyTorch's formula), over
 * three steps so that the moments and bias corrections carry through, on a parameter large
 * enough to take the threaded path.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import { tf } from '../../../src/engine/tf';
import { Rng } from '../../../src/util/rng';
import { assertClose, randomValues, runOn, skipUnlessBuilt, useOnednn } from './support';

const BETA1 = 0.5;
const BETA2 = 0.999;
const EPSILON = 1e-8;
const LR = 2e-4;

function attrsFor(step: number) {
  return {
    beta1: BETA1,
    beta2: BETA2,
    epsilon: EPSILON,
    stepSize: LR / (1 - BETA1 ** step),
    sqrtBc2: Math.sqrt(1 - BETA2 ** step),
  };
}

function referenceStep(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, step: number) {
  const { stepSize, sqrtBc2 } = attrsFor(step);
  const m2 = tf.add(tf.mul(m, BETA1), tf.mul(g, 1 - BETA1));
  const v2 = tf.add(tf.mul(v, BETA2), tf.mul(tf.square(g), 1 - BETA2));
  const denom = tf.add(tf.div(tf.sqrt(v2), sqrtBc2), EPSILON);
  return [tf.sub(p, tf.mul(tf.div(m2, denom), stepSize)), m2, v2];
}

function kernelStep(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, step: number) {
  const out = tf
    .engine()
    .runKernel(
      'AdamUpdate',
      { param: p, grad: g, m, v },
      attrsFor(step) as unknown as tf.NamedAttrMap,
    );
  assert.ok(Array.isArray(out));
  return out;
}

test('onednn AdamUpdate: three steps match Adam in tfjs ops', skipUnlessBuilt(), async (t) => {
  useOnednn();
  const rng = Rng.derive(41);
  for (const shape of [[5], [3, 3, 64, 128]]) {
    const grads = [0, 1, 2].map(() => randomValues(rng, shape));
    const inputs = [randomValues(rng, shape), ...grads].map((values) => ({ values, shape }));
    const run =
      (stepFn: typeof kernelStep) =>
      (p0: tf.Tensor, ...gs: tf.Tensor[]) => {
        let [p, m, v] = [p0, tf.zerosLike(p0), tf.zerosLike(p0)];
        gs.forEach((g, i) => ([p, m, v] = stepFn(p, g, m, v, i + 1)));
        return [p, m, v];
      };
    await t.test(`[${shape}]`, async () => {
      const expected = await runOn('cpu', inputs, run(referenceStep));
      const actual = await runOn('onednn', inputs, run(kernelStep));
      assertClose(actual, expected, 1e-5, `[${shape}]`);
    });
  }
});

test(
  'onednn AdamUpdate: mismatched shapes are an error naming the kernel',
  skipUnlessBuilt(),
  async () => {
    useOnednn();
    await tf.setBackend('onednn');
    const [a, b] = [tf.zeros([2]), tf.zeros([3])];
    assert.throws(
      () => kernelStep(a, b, a, a, 1),
      /^Error: AdamUpdate: param, grad, m and v must be/,
    );
    tf.dispose([a, b]);
  },
);
