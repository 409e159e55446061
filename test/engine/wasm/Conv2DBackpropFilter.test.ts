/**
 * Conv2DBackpropFilter on wasm (our kernel; the package has none) against the CPU backend.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import { tf } from '../../../src/engine/tf';
import { conv2DBackpropFilter } from '../../../src/engine/wasm/Conv2DBackpropFilter';
import { CONV_CASES, ConvCase, caseName, explicit } from './cases';
import { assertClose, assertSameOnBoth, normal, runOn, use } from './support';

interface FilterGradientCase {
  x: { values: Float32Array; shape: number[] };
  dy: { values: Float32Array; shape: number[] };
  attrs: tf.Conv2DBackpropFilterAttrs;
  /** dW through the engine, on the current backend. */
  run(): tf.Tensor;
}

function filterGradient(k: ConvCase): FilterGradientCase {
  const xShape: [number, number, number, number] = [k.batch, k.height, k.width, k.inChannels];
  const filterShape: [number, number, number, number] = [
    k.kernel,
    k.kernel,
    k.inChannels,
    k.outChannels,
  ];
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, k.stride, 1, k.pad);
  const x = normal(1, xShape);
  const dy = normal(2, info.outShape);
  const attrs: tf.Conv2DBackpropFilterAttrs = {
    strides: k.stride,
    pad: k.pad,
    dataFormat: 'NHWC',
    filterShape,
  };
  const run = () =>
    tf
      .engine()
      .runKernel(
        tf.Conv2DBackpropFilter,
        { x: tf.tensor(x.values, x.shape), dy: tf.tensor(dy.values, dy.shape) },
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor;
  return { x, dy, attrs, run };
}

for (const k of CONV_CASES) {
  test(`Conv2DBackpropFilter ${caseName(k)}: wasm matches cpu`, async () => {
    await assertSameOnBoth(filterGradient(k).run);
  });
}

test('Conv2DBackpropFilter k3 s2 pad[1]: d Σconv2d / dW by hand on wasm', async () => {
  await use('wasm');
  const xData = normal(3, [1, 6, 6, 2]);
  const x = tf.tensor4d(xData.values, [1, 6, 6, 2]);
  const filter = tf.tensor4d(normal(4, [3, 3, 2, 5]).values, [3, 3, 2, 5]);
  const grad = tf.grad((f) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 2, explicit(1) as 'valid')));
  const dW = grad(filter);
  assert.deepEqual(dW.shape, [3, 3, 2, 5]);
  // The centre tap meets x at rows and columns 0, 2, 4 (3×3 outputs, stride 2, pad 1); the
  // corner tap (0,0) at rows and columns 1, 3 only (its row and column 0 fall in the pad).
  const at = (h: number, w: number, c: number) => xData.values[(h * 6 + w) * 2 + c];
  let centre = 0;
  let corner = 0;
  for (const h of [0, 2, 4]) for (const w of [0, 2, 4]) centre += at(h, w, 1);
  for (const h of [1, 3]) for (const w of [1, 3]) corner += at(h, w, 1);
  const values = dW.arraySync() as number[][][][];
  for (let co = 0; co < 5; co++) {
    assert.ok(Math.abs(values[1][1][1][co] - centre) < 1e-5, `centre tap, channel ${co}`);
    assert.ok(Math.abs(values[0][0][1][co] - corner) < 1e-5, `corner tap, channel ${co}`);
  }
  tf.dispose([x, filter, dW]);
});

test('Conv2DBackpropFilter k3 s2 pad[1] in groups of 2 taps (the big-layer path): wasm matches cpu', async () => {
  const k = CONV_CASES[3];
  const { x, dy, attrs, run } = filterGradient(k);
  const expected = await runOn('cpu', run);
  await use('wasm');
  const values: Float32Array[] = [];
  tf.tidy(() => {
    const [xt, dyt] = [tf.tensor(x.values, x.shape), tf.tensor(dy.values, dy.shape)];
    // Room for two taps of the im2col matrix at a time: 5 groups for 9 taps.
    const room = 2 * k.inChannels * dy.shape[0] * dy.shape[1] * dy.shape[2];
    const info = conv2DBackpropFilter(
      {
        inputs: { x: xt, dy: dyt },
        backend: tf.backend() as BackendWasm,
        attrs,
      },
      room,
    );
    values.push(tf.engine().makeTensorFromTensorInfo(info).dataSync() as Float32Array);
  });
  assertClose(values[0], expected[0], 1e-4, caseName(k));
});

test('Conv2DBackpropFilter: frees its intermediates on the wasm heap', async () => {
  await use('wasm');
  const { run } = filterGradient(CONV_CASES[2]);
  tf.tidy(run); // the first call may set up XNNPACK state
  const before = tf.backend().numDataIds();
  tf.tidy(() => void run().dataSync());
  assert.equal(tf.backend().numDataIds(), before);
});

test('Conv2DBackpropFilter: NCHW is refused with a message naming the kernel', async () => {
  await use('wasm');
  const x = tf.zeros([1, 2, 5, 5]);
  const dy = tf.zeros([1, 3, 3, 3]);
  assert.throws(
    () =>
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
        strides: 1,
        pad: 'valid',
        dataFormat: 'NCHW',
        filterShape: [3, 3, 2, 3],
      } as unknown as tf.NamedAttrMap),
    { message: "Conv2DBackpropFilter: dataFormat 'NCHW' is not supported yet on wasm; use 'NHWC'" },
  );
  tf.dispose([x, dy]);
});
