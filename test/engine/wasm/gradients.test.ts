/**
 * Forward and backward of a small CycleGAN-shaped network on wasm against the CPU backend:
 * every kernel training touches (forward and gradient) must exist on wasm and agree.
 */
import { test } from 'node:test';

import { tf } from '../../../src/engine/tf';
import { explicit } from './cases';
import { assertSameOnBoth, normal } from './support';

const PAD1 = explicit(1) as 'valid';

function instanceNorm(x: tf.Tensor4D): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)));
}

function reflect(x: tf.Tensor4D, p: number): tf.Tensor4D {
  return tf.mirrorPad(
    x,
    [
      [0, 0],
      [p, p],
      [p, p],
      [0, 0],
    ],
    'reflect',
  );
}

/** G: reflect-pad + c7, down k3 s2, one residual block, up (transposed k3 s2), tanh; D: k4. */
function loss(weights: tf.Tensor4D[], real: tf.Tensor4D): tf.Scalar {
  const [c7, down, res, up, out, d1, d2] = weights;
  let h = tf.relu(instanceNorm(tf.conv2d(reflect(real, 3), c7, 1, 'valid')));
  h = tf.relu(instanceNorm(tf.conv2d(h, down, 2, PAD1)));
  h = tf.add(h, instanceNorm(tf.conv2d(reflect(h, 1), res, 1, 'valid')));
  const [n, height, width] = h.shape;
  h = tf.conv2dTranspose(h, up, [n, 2 * height, 2 * width, up.shape[2]], 2, 1);
  h = tf.relu(instanceNorm(h));
  const fake = tf.tanh(tf.conv2d(reflect(h, 3), out, 1, 'valid'));
  let d = tf.leakyRelu(tf.conv2d(fake, d1, 2, PAD1), 0.2);
  d = tf.conv2d(d, d2, 1, PAD1);
  const gan = tf.mean(tf.square(tf.sub(d, 1)));
  const cycle = tf.mean(tf.abs(tf.sub(fake, real)));
  return tf.add(gan, tf.mul(cycle, 10)) as tf.Scalar;
}

const SHAPES: Array<[number, number, number, number]> = [
  [7, 7, 3, 8], // c7
  [3, 3, 8, 16], // down
  [3, 3, 16, 16], // res
  [3, 3, 8, 16], // up: [kh, kw, out, in]
  [7, 7, 8, 3], // out
  [4, 4, 3, 8], // d1
  [4, 4, 8, 1], // d2
];

for (const [batch, size] of [
  [1, 10],
  [3, 12],
]) {
  test(`tf.grads of a small G+D loss, x[${batch},${size},${size},3]: wasm matches cpu`, async () => {
    const real = normal(10, [batch, size, size, 3]);
    const weights = SHAPES.map((shape, i) => normal(20 + i, shape));
    await assertSameOnBoth(() => {
      const ws = weights.map((w) => tf.mul(tf.tensor(w.values, w.shape), 0.2) as tf.Tensor4D);
      const x = tf.tensor4d(real.values, real.shape as [number, number, number, number]);
      const grads = tf.grads((...args: tf.Tensor[]) =>
        loss(args.slice(1) as tf.Tensor4D[], args[0] as tf.Tensor4D),
      );
      return [loss(ws, x), ...grads([x, ...ws])];
    });
  });
}
