/**
 * Conv2DBackpropInput on wasm (ours replaces the package's slow loop) against the CPU backend:
 * as the input gradient of conv2d and as the forward pass of conv2dTranspose.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import { tf } from '../../../src/engine/tf';
import { CONV_CASES, ConvCase, Pad, caseName, explicit } from './cases';
import { assertSameOnBoth, normal, use } from './support';

function inputGradient(k: ConvCase): () => tf.Tensor {
  const inputShape: [number, number, number, number] = [k.batch, k.height, k.width, k.inChannels];
  const filterShape: [number, number, number, number] = [
    k.kernel,
    k.kernel,
    k.inChannels,
    k.outChannels,
  ];
  const info = tf.backend_util.computeConv2DInfo(inputShape, filterShape, k.stride, 1, k.pad);
  const filter = normal(5, filterShape);
  const dy = normal(6, info.outShape);
  return () =>
    tf
      .engine()
      .runKernel(
        tf.Conv2DBackpropInput,
        { dy: tf.tensor(dy.values, dy.shape), filter: tf.tensor(filter.values, filter.shape) },
        {
          strides: k.stride,
          pad: k.pad,
          dataFormat: 'NHWC',
          inputShape,
        } as unknown as tf.NamedAttrMap,
      ) as tf.Tensor;
}

for (const k of CONV_CASES) {
  test(`Conv2DBackpropInput ${caseName(k)}: wasm matches cpu`, async () => {
    await assertSameOnBoth(inputGradient(k));
  });
}

// The generator's upsampling: ConvTranspose2d(k3, s2, padding 1, output_padding 1).
const transposeCases: Array<[number, number, number, number, number, Pad]> = [
  [1, 5, 4, 64, 64, 1],
  [3, 4, 5, 64, 3, explicit(1)],
  [1, 3, 3, 3, 1, explicit(1)],
];
for (const [batch, height, width, inChannels, outChannels, pad] of transposeCases) {
  const name = `conv2dTranspose k3 s2 pad ${JSON.stringify(pad)} x[${batch},${height},${width},${inChannels}] -> [${2 * height},${2 * width},${outChannels}]`;
  test(`${name}: wasm matches cpu`, async () => {
    const x = normal(7, [batch, height, width, inChannels]);
    const filter = normal(8, [3, 3, outChannels, inChannels]);
    await assertSameOnBoth(() =>
      tf.conv2dTranspose(
        tf.tensor4d(x.values, x.shape as [number, number, number, number]),
        tf.tensor4d(filter.values, filter.shape as [number, number, number, number]),
        [batch, 2 * height, 2 * width, outChannels],
        2,
        pad as 'valid',
      ),
    );
  });
}

test('Conv2DBackpropInput k3 s1 pad[3] (pad above the kernel, the fallback): wasm matches cpu', async () => {
  await assertSameOnBoth(
    inputGradient({
      batch: 1,
      height: 5,
      width: 6,
      inChannels: 3,
      outChannels: 4,
      kernel: 3,
      stride: 1,
      pad: explicit(3),
    }),
  );
});

test('Conv2DBackpropInput: frees its intermediates on the wasm heap', async () => {
  await use('wasm');
  for (const k of [CONV_CASES[2], CONV_CASES[4]]) {
    const run = inputGradient(k);
    tf.tidy(run);
    const before = tf.backend().numDataIds();
    tf.tidy(() => void run().dataSync());
    assert.equal(tf.backend().numDataIds(), before, caseName(k));
  }
});

test('Conv2DBackpropInput: a filter used again reuses its sub-filters, freed with the filter', async () => {
  await use('wasm');
  const dy = tf.tensor4d(normal(11, [1, 4, 4, 8]).values, [1, 4, 4, 8]);
  const attrs = { strides: 2, pad: explicit(1), dataFormat: 'NHWC', inputShape: [1, 8, 8, 6] };
  const dx = (filter: tf.Tensor) =>
    tf
      .engine()
      .runKernel(
        tf.Conv2DBackpropInput,
        { dy, filter },
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor;
  const filter = tf.tensor4d(normal(12, [3, 3, 6, 8]).values, [3, 3, 6, 8]);
  const first = dx(filter);
  const ids = tf.backend().numDataIds();
  const second = dx(filter);
  // Only the output is new: the four sub-filters (stride 2) are the cached ones.
  assert.equal(tf.backend().numDataIds(), ids + 1);
  assert.deepEqual(Array.from(second.dataSync()), Array.from(first.dataSync()));
  tf.dispose([first, second, filter]);

  const before = tf.backend().numDataIds();
  const other = tf.tensor4d(normal(13, [3, 3, 6, 8]).values, [3, 3, 6, 8]);
  const third = dx(other);
  // The disposed filter's four sub-filters are freed, the new one's four are made.
  assert.equal(tf.backend().numDataIds(), before + 2);
  tf.dispose([third, other, dy]);
});
