import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tf } from '../../src/engine/tf';
import { Adam } from '../../src/train/adam';
import { ImagePool } from '../../src/train/image_pool';
import { linearLearningRate } from '../../src/train/schedule';
import { Rng } from '../../src/util/rng';
import { testBackends } from '../support/backends';

for (const backend of testBackends()) {
  describe(`Adam on ${backend.name}`, { skip: backend.skip }, () => {
    it('matches PyTorch Adam over two steps', async () => {
      await backend.use();
      const p = tf.variable(tf.tensor1d([1, -1]));
      const adam = new Adam(new Map([['p', p]]), { beta1: 0.5, beta2: 0.999, epsilon: 1e-8 });
      const lr = 0.1;
      const steps = [
        [0.1, -2],
        [0.3, 1],
      ];
      // PyTorch: m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²;
      // p ← p − lr/(1−β1ᵗ) · m / (√v / √(1−β2ᵗ) + ε).
      const expected = [1, -1];
      const m = [0, 0];
      const v = [0, 0];
      steps.forEach((g, t) => {
        adam.apply({ p: tf.tensor1d(g) }, lr);
        for (let i = 0; i < 2; i++) {
          m[i] = 0.5 * m[i] + 0.5 * g[i];
          v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
          const bc1 = 1 - 0.5 ** (t + 1);
          const bc2 = 1 - 0.999 ** (t + 1);
          expected[i] -= (lr / bc1) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + 1e-8));
        }
      });
      const got = p.dataSync();
      for (let i = 0; i < 2; i++)
        assert.ok(Math.abs(got[i] - expected[i]) < 1e-6, `${got[i]} vs ${expected[i]}`);
      assert.equal(adam.step, 2);
    });
  });
}

describe('linear learning-rate policy', () => {
  it('holds for nEpochs, then falls linearly over nEpochsDecay', () => {
    assert.equal(linearLearningRate(2e-4, 1, 100, 100), 2e-4);
    assert.equal(linearLearningRate(2e-4, 100, 100, 100), 2e-4);
    const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-15, `${a} vs ${b}`);
    near(linearLearningRate(2e-4, 101, 100, 100), 2e-4 * (100 / 101));
    near(linearLearningRate(2e-4, 200, 100, 100), 2e-4 * (1 / 101));
    assert.equal(linearLearningRate(1, 3, 2, 3), 0.75);
  });
});

/** An Rng whose draws are given in advance. */
class ScriptedRng extends Rng {
  constructor(private draws: number[]) {
    super([1, 2, 3, 4]);
  }
  random(): number {
    const d = this.draws.shift();
    if (d === undefined) throw new Error('no scripted draw left');
    return d;
  }
}

describe('ImagePool', () => {
  const img = (v: number) => tf.fill([1, 1, 1, 1], v) as tf.Tensor4D;
  const value = (t: tf.Tensor) => t.dataSync()[0];

  it('returns new images while filling, then swaps half of the time', () => {
    // Draws: 0.9 (> 0.5: swap) then 0.75 (index floor(0.75·2) = 1); then 0.2 (keep).
    const pool = new ImagePool(2, new ScriptedRng([0.9, 0.75, 0.2]));
    assert.equal(value(pool.query(img(1))), 1);
    assert.equal(value(pool.query(img(2))), 2);
    assert.equal(pool.count, 2);
    assert.equal(value(pool.query(img(3))), 2); // the stored 2 comes back, 3 takes its place
    assert.equal(value(pool.query(img(4))), 4);
    assert.deepEqual(
      pool.snapshot().map((t) => t.data[0]),
      [1, 3],
    );
    pool.dispose();
  });

  it('keeps images of different sizes, and never swaps one into a batch of another size', () => {
    const pool = new ImagePool(1, new ScriptedRng([0.9, 0.9]));
    pool.query(tf.zeros([1, 2, 3, 1]) as tf.Tensor4D);
    const out = pool.query(tf.ones([1, 4, 4, 1]) as tf.Tensor4D);
    assert.deepEqual(out.shape, [1, 4, 4, 1]);
    assert.equal(out.dataSync()[0], 1);
    assert.deepEqual(
      pool.snapshot().map((t) => t.shape),
      [[2, 3, 1]],
    );
  });

  it('with size 0 passes images through', () => {
    const pool = new ImagePool(0, Rng.derive(1));
    assert.equal(value(pool.query(img(7))), 7);
    assert.equal(pool.count, 0);
  });

  it('snapshot and restore give the same history', () => {
    const pool = new ImagePool(3, Rng.derive(1));
    for (const v of [1, 2, 3]) pool.query(img(v));
    const other = new ImagePool(3, Rng.derive(9));
    other.restore(pool.snapshot(), new Rng(pool.rngState));
    assert.deepEqual(
      other.snapshot().map((t) => t.data[0]),
      [1, 2, 3],
    );
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) tf.dispose([pool.query(img(10 + i)), other.query(img(10 + i))]);
    assert.deepEqual(pool.snapshot(), other.snapshot());
    assert.equal(tf.memory().numTensors, before + 10); // only the ten inputs, never disposed
  });
});
