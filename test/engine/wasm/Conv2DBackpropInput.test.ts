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
