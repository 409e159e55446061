import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { tf } from '../../src/engine/tf';
import { conv, convTranspose2x } from '../../src/nn/conv';
import { instanceNorm } from '../../src/nn/instance_norm';
import { Params } from '../../src/nn/params';
import { reflectionPad } from '../../src/nn/reflection_pad';
import { ganLoss, l1Loss } from '../../src/models/losses';
import { testBackends } from '../support/backends';
import { PatchDiscriminator } from '../../src/models/patch_discriminator';
import { ResnetGenerator } from '../../src/models/resnet_generator';
import { Rng } from '../../src/util/rng';

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-5) {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
}

for (const backend of testBackends()) {
  describe(`layers on ${backend.name}`, { skip: backend.skip }, () => {
    before(() => backend.use());

    it('reflectionPad p=1 on 3×3 mirrors without repeating the border', () => {
      const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
      const y = reflectionPad(x, 1);
      assert.deepEqual(y.shape, [1, 5, 5, 1]);
      // prettier-ignore
      close(y.dataSync(), [
        5, 4, 5, 6, 5,
        2, 1, 2, 3, 2,
        5, 4, 5, 6, 5,
        8, 7, 8, 9, 8,
        5, 4, 5, 6, 5,
      ]);
    });

    it('reflectionPad gradient counts every copy of a source cell', () => {
      // Padded rows map to source rows [1, 0, 1, 2, 1]: row 1 is used 3 times.
      const g = tf.grad((x: tf.Tensor) => tf.sum(reflectionPad(x as tf.Tensor4D, 1)));
      close(g(tf.ones([1, 3, 3, 1])).dataSync(), [1, 3, 1, 3, 9, 3, 1, 3, 1]);
      // p=2 on 4 rows: padded rows map to [2, 1, 0, 1, 2, 3, 2, 1] → counts [1, 3, 3, 1].
      const g2 = tf.grad((x: tf.Tensor) => tf.sum(reflectionPad(x as tf.Tensor4D, 2)));
      const counts = [1, 3, 3, 1];
      const expected = counts.flatMap((r) => counts.map((c) => r * c * 1)).flatMap((v) => [v, v]);
      close(g2(tf.ones([1, 4, 4, 2])).dataSync(), expected);
    });

    it('reflectionPad gradient weights each copy by its upstream gradient', () => {
      // 1-D case along W: x = [a, b, c], padded [b, a, b, c, b], dy = [1, 2, 3, 4, 5].
      // dx = [2, 1 + 3 + 5, 4].
      const dy = tf.tensor4d([1, 2, 3, 4, 5], [1, 1, 5, 1]);
      const x = tf.tensor4d([0, 0, 0, 0, 0, 0, 0, 0, 0], [1, 3, 3, 1]);
      const g = tf.grad((t: tf.Tensor) => {
        const padded = reflectionPad(t as tf.Tensor4D, 1); // [1, 5, 5, 1]
        const middleRow = tf.slice(padded, [0, 2, 0, 0], [1, 1, 5, 1]);
        return tf.sum(tf.mul(middleRow, dy));
      });
      // Padded row 2 is source row 1 and is not a copy of any other row.
      close(g(x).dataSync(), [0, 0, 0, 2, 9, 4, 0, 0, 0]);
    });

    it('instanceNorm normalises each image and channel over H×W', () => {
      // Channel 0: [1, 2, 3, 4] → mean 2.5, biased variance 1.25.
      // Channel 1: [10, 10, 10, 10] → all zero.
      const x = tf.tensor4d([1, 10, 2, 10, 3, 10, 4, 10], [1, 2, 2, 2]);
      const s = 1 / Math.sqrt(1.25 + 1e-5);
      close(instanceNorm(x).dataSync(), [-1.5 * s, 0, -0.5 * s, 0, 0.5 * s, 0, 1.5 * s, 0]);
    });

    it('instanceNorm gradient of a weighted sum', () => {
      // y = (x − μ)σ⁻¹; for x = [1, 2, 3, 4] and loss = Σ wᵢyᵢ with w = [1, 0, 0, 0]:
      // dL/dxᵢ = σ⁻¹ (wᵢ − mean(w) − yᵢ · mean(w·y)).
      const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
      const w = tf.tensor4d([1, 0, 0, 0], [1, 2, 2, 1]);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(instanceNorm(t as tf.Tensor4D), w)));
      const inv = 1 / Math.sqrt(1.25 + 1e-5);
      const y = [-1.5, -0.5, 0.5, 1.5].map((v) => v * inv);
      const wy = y[0] / 4;
      const expected = [1, 0, 0, 0].map((wi, i) => inv * (wi - 0.25 - y[i] * wy));
      close(g(x).dataSync(), expected, 1e-4);
    });

    it('conv k3 s2 p1 pads one zero row and column on every side', () => {
      const params: Params = new Map([['c.weight', tf.variable(tf.ones([3, 3, 1, 1]))]]);
      const y = conv(params, 'c', tf.ones([1, 4, 4, 1]), 2, 1);
      assert.deepEqual(y.shape, [1, 2, 2, 1]);
      close(y.dataSync(), [4, 6, 6, 9]);
    });

    it('conv with bias and an odd size (k4 s2 p1 on 5×7)', () => {
      const params: Params = new Map([
        ['c.weight', tf.variable(tf.ones([4, 4, 1, 2]))],
        ['c.bias', tf.variable(tf.tensor1d([0.5, -1]))],
      ]);
      const y = conv(params, 'c', tf.ones([1, 5, 7, 1]), 2, 1);
      // PyTorch: floor((5 + 2 − 4) / 2) + 1 = 2 rows, floor((7 + 2 − 4) / 2) + 1 = 3 columns.
      assert.deepEqual(y.shape, [1, 2, 3, 2]);
      // Output (0, 0) covers padded rows −1..2 and columns −1..2: 3 × 3 ones.
      close(y.dataSync().slice(0, 2), [9.5, 8]);
    });

    it('convTranspose2x doubles the size like ConvTranspose2d(k3, s2, p1, output_padding 1)', () => {
      // One input pixel: output[y, x] = w[y + 1, x + 1] for y, x in {0, 1}.
      const w = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3, 1, 1]);
      const params: Params = new Map([['t.weight', tf.variable(w)]]);
      const y = convTranspose2x(params, 't', tf.ones([1, 1, 1, 1]), 1);
      assert.deepEqual(y.shape, [1, 2, 2, 1]);
      close(y.dataSync(), [5, 6, 8, 9]);
      const odd = convTranspose2x(params, 't', tf.ones([2, 3, 5, 1]), 1);
      assert.deepEqual(odd.shape, [2, 6, 10, 1]);
    });

    it('least-squares GAN loss and L1 loss', () => {
      const pred = tf.tensor1d([0.5, -1]);
      close(ganLoss(pred, true, 'lsgan').dataSync(), [(0.25 + 4) / 2]);
      close(ganLoss(pred, false, 'lsgan').dataSync(), [(0.25 + 1) / 2]);
      const softplus = (v: number) => Math.log1p(Math.exp(v));
      close(ganLoss(pred, true, 'vanilla').dataSync(), [(softplus(-0.5) + softplus(1)) / 2]);
      close(l1Loss(tf.tensor1d([1, -2, 3]), tf.tensor1d([0, 0, 1])).dataSync(), [5 / 3]);
    });
  });
}

describe('network shapes as the reference builds them', () => {
  const rng = () => Rng.derive(1);
  const base = { ndf: 4, nLayersD: 5, norm: 'instance' as const, inputNc: 1 };

  it('netD basic has 3 strided layers whatever --n-layers-d says; n_layers follows it', () => {
    const basic = new PatchDiscriminator({ ...base, netD: 'basic' }, rng());
    assert.deepEqual(
      [...basic.params.keys()].filter((k) => k.endsWith('weight')),
      ['model.0.weight', 'model.2.weight', 'model.5.weight', 'model.8.weight', 'model.11.weight'],
    );
    const five = new PatchDiscriminator({ ...base, netD: 'n_layers' }, rng());
    assert.ok(five.params.has('model.17.weight'));
  });

  it('norm none drops the biases the reference drops', () => {
    const d = new PatchDiscriminator({ ...base, netD: 'basic', norm: 'none' }, rng());
    const biases = [...d.params.keys()].filter((k) => k.endsWith('bias'));
    assert.deepEqual(biases, ['model.0.bias', 'model.11.bias']);
    const g = new ResnetGenerator(
      { netG: 'resnet_6blocks', ngf: 4, inputNc: 1, outputNc: 1, norm: 'none' },
      rng(),
    );
    assert.deepEqual(
      [...g.params.keys()].filter((k) => k.endsWith('bias')),
      ['model.23.bias'],
    );
  });

  it('the PatchGAN refuses images whose score map would be empty', () => {
    const d = new PatchDiscriminator({ ...base, netD: 'basic' }, rng());
    assert.deepEqual(d.apply(tf.zeros([1, 24, 24, 1])).shape, [1, 1, 1, 1]);
    assert.throws(() => d.apply(tf.zeros([1, 23, 40, 1])), {
      message:
        'Images of 23×40 are too small for the 3-layer PatchGAN (its score map would be ' +
        'empty); they need at least 24 pixels a side.',
    });
  });
});
