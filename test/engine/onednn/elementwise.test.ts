/**
 * Native element-wise and reduction kernels against the CPU backend: every binary op over
 * the broadcast forms the native loops take (same shape, scalar, trailing block) and one
 * they hand back to the CPU kernel, unary ops on values including 0 and NaN, and sums and
 * means over adjacent and non-adjacent axes. Sizes straddle the threading threshold.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import { tf } from '../../../src/engine/tf';
import { broadcastPeriod } from '../../../src/engine/onednn/elementwise';
import { Rng } from '../../../src/util/rng';
import { compareWithCpu, randomValues, runOn, skipUnlessBuilt, useOnednn } from './support';

const BINARY: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor]> = [
  ['add', tf.add],
  ['sub', tf.sub],
  ['mul', tf.mul],
  ['div', tf.div],
  ['maximum', tf.maximum],
  ['minimum', tf.minimum],
  ['squaredDifference', tf.squaredDifference],
];

const BROADCASTS: Array<[number[], number[]]> = [
  [
    [3, 13, 17, 5],
    [3, 13, 17, 5],
  ],
  [[1, 64, 64, 64], [64]],
  [[64], [1, 64, 64, 64]],
  [[2, 9, 11, 3], []],
  [[], [2, 9, 11, 3]],
  [
    [2, 9, 11, 3],
    [1, 1, 11, 3],
  ],
  [
    [3, 1],
    [1, 4],
  ], // general broadcast: CPU fallback
];

const UNARY: Array<[string, (x: tf.Tensor) => tf.Tensor]> = [
  ['relu', tf.relu],
  ['leakyRelu', (x) => tf.leakyRelu(x, 0.2)],
  ['step', (x) => tf.step(x, 0.3)],
  ['sqrt', (x) => tf.sqrt(tf.abs(x))],
  ['square', tf.square],
  ['tanh', tf.tanh],
  ['abs', tf.abs],
  ['neg', tf.neg],
  ['rsqrt', (x) => tf.rsqrt(tf.add(tf.abs(x), 0.1))],
  ['sigmoid', tf.sigmoid],
  ['exp', tf.exp],
  ['sign', tf.sign],
];

test('broadcastPeriod: same shape, scalar, trailing block, and unsupported forms', () => {
  assert.equal(broadcastPeriod([2, 3, 4], [2, 3, 4]), 24);
  assert.equal(broadcastPeriod([1, 1, 4], [2, 3, 4]), 4);
  assert.equal(broadcastPeriod([3, 4], [2, 3, 4]), 12);
  assert.equal(broadcastPeriod([], [2, 3, 4]), 1);
  assert.equal(broadcastPeriod([2, 1, 4], [2, 3, 4]), null);
  assert.equal(broadcastPeriod([3, 1], [3, 4]), null);
});

test('onednn binary ops match the CPU backend', skipUnlessBuilt(), async (t) => {
  useOnednn();
  const rng = Rng.derive(31);
  for (const [name, op] of BINARY) {
    for (const [aShape, bShape] of BROADCASTS) {
      const label = `${name} [${aShape}] [${bShape}]`;
      // Keep divisors away from 0.
      const b = randomValues(rng, bShape).map((v) => (name === 'div' ? v + Math.sign(v) : v));
      await t.test(label, () =>
        compareWithCpu(
          label,
          [
            { values: randomValues(rng, aShape), shape: aShape },
            { values: b, shape: bShape },
          ],
          op,
          1e-6,
        ),
      );
    }
  }
});

test(
  'onednn unary ops match the CPU backend, NaN and zero included',
  skipUnlessBuilt(),
  async (t) => {
    useOnednn();
    const rng = Rng.derive(32);
    for (const [name, op] of UNARY) {
      for (const shape of [[7], [1, 64, 64, 16]]) {
        const values = randomValues(rng, shape).map((v) => 3 * v);
        values[0] = 0;
        const label = `${name} [${shape}]`;
        await t.test(label, () => compareWithCpu(label, [{ values, shape }], op, 1e-6));
      }
    }
    const [relu, step] = await runOn(
      'onednn',
      [{ values: Float32Array.from([NaN, -1, 2]), shape: [3] }],
      (x) => [tf.relu(x), tf.step(x, 0.5)],
    );
    assert.deepEqual(Array.from(relu), [NaN, 0, 2]);
    assert.deepEqual(Array.from(step), [NaN, 0.5, 1]);
  },
);

test('onednn sum and mean match the CPU backend', skipUnlessBuilt(), async (t) => {
  useOnednn();
  const rng = Rng.derive(33);
  const shape = [3, 40, 50, 64];
  const axesCases: Array<number[] | null> = [[0, 1, 2], [1, 2], [3], null, [0], [0, 3]];
  for (const axes of axesCases) {
    for (const keepDims of [false, true]) {
      const label = `axes ${axes === null ? 'all' : axes.join(',')} keepDims ${keepDims}`;
      await t.test(label, () =>
        compareWithCpu(
          label,
          [{ values: randomValues(rng, shape), shape }],
          (x) => [tf.sum(x, axes ?? undefined, keepDims), tf.mean(x, axes ?? undefined, keepDims)],
          1e-5,
        ),
      );
    }
  }
});

test(
  'onednn element-wise kernels leave int32 tensors to the CPU kernels',
  skipUnlessBuilt(),
  async () => {
    useOnednn();
    await tf.setBackend('onednn');
    const a = tf.tensor1d([1, 2, 3], 'int32');
    const sum = tf.add(a, a);
    assert.equal(sum.dtype, 'int32');
    assert.deepEqual(Array.from(sum.dataSync()), [2, 4, 6]);
    assert.deepEqual(Array.from(tf.sum(a).dataSync()), [6]);
    tf.dispose([a, sum]);
  },
);

test(
  'onednn greater, select (tf.where) and the leakyRelu gradient match the CPU backend',
  skipUnlessBuilt(),
  async (t) => {
    useOnednn();
    const rng = Rng.derive(34);
    for (const [aShape, bShape] of BROADCASTS) {
      const label = `greater [${aShape}] [${bShape}]`;
      const inputs = [
        { values: randomValues(rng, aShape), shape: aShape },
        { values: randomValues(rng, bShape), shape: bShape },
      ];
      await t.test(label, () =>
        compareWithCpu(label, inputs, (a, b) => tf.cast(tf.greater(a, b), 'float32'), 0),
      );
    }
    const shape = [2, 30, 40, 16];
    const inputs = [0, 1, 2].map(() => ({ values: randomValues(rng, shape), shape }));
    await t.test('where', () =>
      compareWithCpu('where', inputs, (c, a, b) => tf.where(tf.greater(c, 0), a, b), 0),
    );
    await t.test('leakyRelu gradient', () =>
      compareWithCpu('leakyRelu gradient', inputs.slice(0, 2), (x, dy) =>
        tf.grad((v: tf.Tensor) => tf.leakyRelu(v, 0.2))(x, dy),
      ),
    );
  },
);

test('onednn pad (PadV2) matches the CPU backend', skipUnlessBuilt(), async (t) => {
  useOnednn();
  const rng = Rng.derive(35);
  const cases: Array<[number[], Array<[number, number]>, number]> = [
    [
      [2, 13, 17, 3],
      [
        [0, 0],
        [1, 2],
        [3, 0],
        [0, 0],
      ],
      0,
    ],
    [
      [1, 5, 4, 8],
      [
        [1, 1],
        [0, 2],
        [2, 2],
        [1, 3],
      ],
      -1.5,
    ],
    [
      [7, 6],
      [
        [2, 3],
        [5, 0],
      ],
      2,
    ],
    [[9], [[4, 8]], 0],
  ];
  for (const [shape, paddings, value] of cases) {
    const label = `[${shape}] ${paddings.map((p) => p.join('/')).join(' ')} value ${value}`;
    await t.test(label, () =>
      compareWithCpu(
        label,
        [{ values: randomValues(rng, shape), shape }],
        (x) => tf.pad(x, paddings, value),
        0,
      ),
    );
  }
});
