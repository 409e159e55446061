/**
 * MirrorPadGrad on wasm (a custom kernel, as on onednn): by hand, and as the gradient of the
 * model's reflection padding against the CPU backend's composed fold.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import { tf } from '../../../src/engine/tf';
import { MIRROR_PAD_GRAD } from '../../../src/engine/wasm/MirrorPadGrad';
import { reflectionPad } from '../../../src/nn/reflection_pad';
import { assertSameOnBoth, normal, use } from './support';

function mirrorPadGrad(dy: tf.Tensor, paddings: Array<[number, number]>, mode: string): tf.Tensor {
  return tf.engine().runKernel(MIRROR_PAD_GRAD, { dy }, {
    paddings,
    mode,
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

test('MirrorPadGrad reflect 2 on a row of 3, ones: each cell gets the copies made of it', async () => {
  await use('wasm');
  // Padded row: x2 x1 | x0 x1 x2 | x1 x0.
  const dx = mirrorPadGrad(
    tf.ones([1, 1, 7, 1]),
    [
      [0, 0],
      [0, 0],
      [2, 2],
      [0, 0],
    ],
    'reflect',
  );
  assert.deepEqual(dx.shape, [1, 1, 3, 1]);
  assert.deepEqual(Array.from(dx.dataSync()), [2, 3, 2]);
  dx.dispose();
});

test('MirrorPadGrad symmetric 1 on a 2×2 image, channels 2: corners gather four cells', async () => {
  await use('wasm');
  const dy = tf.tensor(
    Array.from({ length: 16 * 2 }, (_, i) => i % 2),
    [1, 4, 4, 2],
  );
  // Symmetric 1 around 2×2: every source cell is copied into a 2×2 block of the 4×4.
  const dx = mirrorPadGrad(
    dy,
    [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ],
    'symmetric',
  );
  assert.deepEqual(Array.from(dx.dataSync()), [0, 4, 0, 4, 0, 4, 0, 4]);
  tf.dispose([dy, dx]);
});

test('MirrorPadGrad: a pad the axis cannot reflect is refused naming the kernel', async () => {
  await use('wasm');
  const dy = tf.zeros([1, 7, 7, 1]);
  assert.throws(
    () =>
      mirrorPadGrad(
        dy,
        [
          [0, 0],
          [3, 3],
          [0, 0],
          [0, 0],
        ],
        'reflect',
      ),
    {
      message:
        'MirrorPadGrad: reflect padding of an axis of size 1 must be within [0, 0], received [3, 3]',
    },
  );
  dy.dispose();
});

for (const [batch, size, channels, p] of [
  [1, 9, 3, 3],
  [3, 6, 64, 1],
  [1, 5, 1, 2],
]) {
  test(`reflectionPad ${p} x[${batch},${size},${size - 1},${channels}]: gradient on wasm matches cpu`, async () => {
    const x = normal(30, [batch, size, size - 1, channels]);
    const w = normal(31, [batch, size + 2 * p, size - 1 + 2 * p, channels]);
    await assertSameOnBoth(() =>
      tf.grad((t: tf.Tensor) =>
        tf.sum(tf.mul(reflectionPad(t as tf.Tensor4D, p), tf.tensor(w.values, w.shape))),
      )(tf.tensor(x.values, x.shape)),
    );
  });
}
