/**
 * MirrorPad on onednn against the CPU backend, and MirrorPadGrad (custom kernel) against
 * the gradient of a reference reflection pad built from slice, reverse and concat, whose
 * autograd is exact (TensorFlow.js's own MirrorPad gradient is not).
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import { tf } from '../../../src/engine/tf';
import { Rng } from '../../../src/util/rng';
import {
  assertClose,
  compareWithCpu,
  randomValues,
  runOn,
  skipUnlessBuilt,
  useOnednn,
} from './support';

type Paddings = Array<[number, number]>;
type Mode = 'reflect' | 'symmetric';

/** Mirror padding from differentiable ops, one axis at a time. */
function referenceMirrorPad(x: tf.Tensor, paddings: Paddings, mode: Mode): tf.Tensor {
  const skip = mode === 'reflect' ? 1 : 0;
  let y = x;
  paddings.forEach(([before, after], axis) => {
    const n = y.shape[axis];
    const along = (start: number, size: number) => {
      const begin = y.shape.map(() => 0);
      const sizes = y.shape.map(() => -1);
      begin[axis] = start;
      sizes[axis] = size;
      return tf.reverse(tf.slice(y, begin, sizes), axis);
    };
    const parts = [];
    if (before > 0) parts.push(along(skip, before));
    parts.push(y);
    if (after > 0) parts.push(along(n - skip - after, after));
    y = tf.concat(parts, axis);
  });
  return y;
}

function mirrorPadGrad(dy: tf.Tensor, paddings: Paddings, mode: Mode): tf.Tensor {
  return tf.engine().runKernel('MirrorPadGrad', { dy }, {
    paddings,
    mode,
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

interface PadCase {
  shape: number[];
  paddings: Paddings;
  mode: Mode;
}

const CASES: PadCase[] = [
  {
    shape: [1, 13, 17, 3],
    paddings: [
      [0, 0],
      [3, 3],
      [3, 3],
      [0, 0],
    ],
    mode: 'reflect',
  },
  {
    shape: [3, 8, 8, 64],
    paddings: [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ],
    mode: 'reflect',
  },
  {
    shape: [1, 4, 5, 256],
    paddings: [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ],
    mode: 'reflect',
  },
  {
    shape: [2, 5, 4, 1],
    paddings: [
      [0, 0],
      [4, 2],
      [0, 3],
      [0, 0],
    ],
    mode: 'reflect',
  },
  {
    shape: [2, 5, 4, 3],
    paddings: [
      [1, 0],
      [2, 1],
      [0, 4],
      [2, 2],
    ],
    mode: 'symmetric',
  },
  {
    shape: [7, 6],
    paddings: [
      [2, 3],
      [5, 0],
    ],
    mode: 'reflect',
  },
  { shape: [9], paddings: [[4, 8]], mode: 'reflect' },
];

const caseName = (c: PadCase) =>
  `x${c.shape.join('x')} ${c.mode} ${c.paddings.map((p) => p.join('/')).join(' ')}`;

test(
  'onednn MirrorPad: hand-computed reflect padding and its gradient',
  skipUnlessBuilt(),
  async () => {
    useOnednn();
    // [a, b, c] padded by 2 reflects to [c, b, a, b, c, b, a]; with dy = 1 everywhere,
    // a is read twice, b three times and c twice.
    const paddings: Paddings = [[2, 2]];
    const [y] = await runOn('onednn', [{ values: Float32Array.from([1, 2, 3]), shape: [3] }], (x) =>
      tf.mirrorPad(x as tf.Tensor1D, paddings, 'reflect'),
    );
    assert.deepEqual(Array.from(y), [3, 2, 1, 2, 3, 2, 1]);
    const [dx] = await runOn(
      'onednn',
      [{ values: new Float32Array(7).fill(1), shape: [7] }],
      (dy) => mirrorPadGrad(dy, paddings, 'reflect'),
    );
    assert.deepEqual(Array.from(dx), [2, 3, 2]);
  },
);

test('onednn MirrorPad: forward matches the CPU backend', skipUnlessBuilt(), async (t) => {
  useOnednn();
  const rng = Rng.derive(21);
  for (const c of CASES) {
    await t.test(caseName(c), () =>
      compareWithCpu(caseName(c), [{ values: randomValues(rng, c.shape), shape: c.shape }], (x) =>
        tf.mirrorPad(x, c.paddings, c.mode),
      ),
    );
  }
});

test(
  'onednn MirrorPadGrad: matches the gradient of the reference pad',
  skipUnlessBuilt(),
  async (t) => {
    useOnednn();
    const rng = Rng.derive(22);
    for (const c of CASES) {
      const outShape = c.shape.map((d, i) => d + c.paddings[i][0] + c.paddings[i][1]);
      const inputs = [
        { values: randomValues(rng, c.shape), shape: c.shape },
        { values: randomValues(rng, outShape), shape: outShape },
      ];
      await t.test(caseName(c), async () => {
        const expected = await runOn('cpu', inputs, (x, dy) =>
          tf.grad((a: tf.Tensor) => referenceMirrorPad(a, c.paddings, c.mode))(x, dy),
        );
        const actual = await runOn('onednn', inputs, (_x, dy) =>
          mirrorPadGrad(dy, c.paddings, c.mode),
        );
        assertClose(actual, expected, 1e-6, caseName(c));
      });
    }
  },
);
