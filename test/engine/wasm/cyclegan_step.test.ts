/**
 * One CycleGAN training step (resnet_6blocks, ngf = ndf = 4, 24×24) on wasm against the CPU
 * backend: every kernel of the step runs, ours included (the conv gradients, InstanceNorm,
 * MirrorPadGrad, AdamUpdate), the losses agree and the filters move alike.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import { tf } from '../../../src/engine/tf';
import { CycleGAN } from '../../../src/models/cyclegan';
import { defaultLossOptions, defaultNetworkOptions } from '../../../src/models/options';
import { Rng } from '../../../src/util/rng';
import { Side, assertClose, normal, use } from './support';

async function oneStep(side: Side): Promise<Float32Array[]> {
  await use(side);
  const model = new CycleGAN(
    {
      ...defaultNetworkOptions,
      ...defaultLossOptions,
      netG: 'resnet_6blocks',
      ngf: 4,
      ndf: 4,
      poolSize: 0,
      beta1: 0.5,
    },
    Rng.derive(7),
  );
  const [a, b] = [normal(80, [1, 24, 24, 3]), normal(81, [1, 24, 24, 3])];
  const realA = tf.tidy(() => tf.tanh(tf.tensor4d(a.values, [1, 24, 24, 3])));
  const realB = tf.tidy(() => tf.tanh(tf.tensor4d(b.values, [1, 24, 24, 3])));
  const filters = [model.G_A.params, model.D_B.params].flatMap((params) =>
    [...params.values()].filter((p) => p.rank === 4),
  );
  const before = filters.map((p) => p.dataSync() as Float32Array);
  const losses = model.trainStep(realA, realB, 0.0002);
  const moves = filters.map((p, i) => {
    const after = p.dataSync();
    return before[i].map((v, j) => after[j] - v);
  });
  tf.dispose([realA, realB]);
  const named = Object.entries(losses).sort(([x], [y]) => x.localeCompare(y));
  return [Float32Array.from(named.map(([, value]) => value)), ...moves];
}

test('CycleGAN step, resnet_6blocks ngf 4, 24×24: losses and updated weights on wasm match cpu', async () => {
  const wasm = await oneStep('wasm');
  const cpu = await oneStep('cpu');
  assert.equal(wasm.length, cpu.length);
  assertClose(wasm[0], cpu[0], 1e-4, 'losses (by name)');
  // Adam's first step is about ±lr wherever the gradient is not tiny, so an element whose
  // gradient is rounding noise may move either way on either backend: compare each filter's
  // moves as a whole (a wrong gradient would be off by about 100%; measured: under 0.01%).
  wasm.slice(1).forEach((moves, i) => {
    const expected = cpu[i + 1];
    let off = 0;
    let size = 0;
    moves.forEach((move, j) => {
      off += Math.abs(move - expected[j]);
      size += Math.abs(expected[j]);
    });
    assert.ok(
      off <= 1e-2 * size,
      `filter ${i}: moves differ by ${((100 * off) / size).toFixed(3)}%`,
    );
  });
});
