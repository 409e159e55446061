/**
 * AdamUpdate on wasm (a custom kernel, as on onednn): by hand for one step, and the project's
 * Adam over several steps against the CPU backend's composed version.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import { tf } from '../../../src/engine/tf';
import { ADAM_UPDATE } from '../../../src/engine/wasm/AdamUpdate';
import { Adam } from '../../../src/train/adam';
import { assertSameOnBoth, normal, use } from './support';

test('AdamUpdate on wasm, first step: the parameter moves by lr against the gradient sign', async () => {
  await use('wasm');
  const [beta1, beta2, lr] = [0.5, 0.999, 0.01];
  const param = tf.tensor([1, 2, 3]);
  const grad = tf.tensor([0.5, -2, 0]);
  const zeros = tf.zeros([3]);
  const [p, m, v] = tf.engine().runKernel(ADAM_UPDATE, { param, grad, m: zeros, v: zeros }, {
    beta1,
    beta2,
    epsilon: 1e-8,
    stepSize: lr / (1 - beta1),
    sqrtBc2: Math.sqrt(1 - beta2),
  } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  // Step 1: m̂ = g and v̂ = g², so the step is lr·g/(|g| + ε): lr for each non-zero g.
  const moved = Array.from(p.dataSync()).map((x, i) => x - [1, 2, 3][i]);
  assert.ok(Math.abs(moved[0] + lr) < 1e-6 && Math.abs(moved[1] - lr) < 1e-6 && moved[2] === 0);
  assert.deepEqual(Array.from(m.dataSync()), [0.25, -1, 0]);
  const vv = v.dataSync();
  assert.ok(Math.abs(vv[0] - 0.001 * 0.25) < 1e-9 && Math.abs(vv[1] - 0.004) < 1e-9);
  tf.dispose([param, grad, zeros, p, m, v]);
});

test('AdamUpdate: inputs of different shapes are refused naming the kernel', async () => {
  await use('wasm');
  const [a, b] = [tf.zeros([2]), tf.zeros([3])];
  assert.throws(() => tf.engine().runKernel(ADAM_UPDATE, { param: a, grad: b, m: a, v: a }, {}), {
    message:
      'AdamUpdate: param, grad, m and v must be float32 of one shape, received ' +
      'float32 [2], float32 [3], float32 [2], float32 [2]',
  });
  tf.dispose([a, b]);
});

test('Adam, 3 steps on a [3,3,8,16] filter and a [16] bias: wasm matches cpu', async () => {
  const grads = [1, 2, 3].map((step) => ({
    w: normal(50 + step, [3, 3, 8, 16]),
    b: normal(60 + step, [16]),
  }));
  const start = { w: normal(70, [3, 3, 8, 16]), b: normal(71, [16]) };
  await assertSameOnBoth(() => {
    const w = tf.variable(tf.tensor(start.w.values, start.w.shape));
    const b = tf.variable(tf.tensor(start.b.values, start.b.shape));
    const adam = new Adam(
      new Map([
        ['w', w],
        ['b', b],
      ]),
      { beta1: 0.5, beta2: 0.999, epsilon: 1e-8 },
    );
    for (const g of grads) {
      adam.apply(
        { w: tf.tensor(g.w.values, g.w.shape), b: tf.tensor(g.b.values, g.b.shape) },
        0.0002,
      );
    }
    const [mw, vb] = [adam.m.get('w'), adam.v.get('b')];
    assert.ok(mw && vb);
    // The moves (about 1e-4 per step), not the parameters, so the tolerance bites.
    const out = [
      tf.sub(w, tf.tensor(start.w.values, start.w.shape)),
      tf.sub(b, tf.tensor(start.b.values, start.b.shape)),
      tf.clone(mw),
      tf.clone(vb),
    ];
    adam.dispose();
    tf.dispose([w, b]);
    return out;
  });
});
