/**
 * Conv2D, FusedConv2D, Conv2DBackpropInput (and so conv2dTranspose) and
 * Conv2DBackpropFilter on onednn against the CPU backend: forward values and gradients
 * through tf.grads, for the padding forms, strides, batch sizes and channel counts of the
 * CycleGAN models plus odd sizes.
 */
import { test } from 'node:test';

import { tf } from '../../../src/engine/tf';
import { Rng } from '../../../src/util/rng';
import {
  BF16_TOLERANCE,
  compareWithCpu,
  cpuHasBf16,
  randomValues,
  skipUnlessBuilt,
  useOnednn,
} from './support';

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];

const torchPad = (p: number): Pad => [
  [0, 0],
  [p, p],
  [p, p],
  [0, 0],
];

interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: Pad;
}

const padName = (pad: Pad) => (Array.isArray(pad) ? `explicit${pad[1][0]}` : String(pad));
const convName = (c: ConvCase) =>
  `x${c.x.join('x')} k${c.filter[0]} ${c.filter[2]}->${c.filter[3]} s${c.stride} ${padName(c.pad)}`;

const CONV_CASES: ConvCase[] = [
  { x: [1, 13, 17, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { x: [3, 13, 17, 1], filter: [3, 3, 1, 5], stride: 2, pad: torchPad(1) },
  { x: [1, 19, 23, 3], filter: [7, 7, 3, 8], stride: 1, pad: 'valid' },
  { x: [3, 12, 12, 4], filter: [3, 3, 4, 6], stride: 2, pad: 'same' },
  { x: [1, 13, 17, 3], filter: [4, 4, 3, 64], stride: 2, pad: torchPad(1) },
  { x: [1, 7, 9, 256], filter: [4, 4, 256, 1], stride: 1, pad: torchPad(1) },
  { x: [1, 10, 10, 64], filter: [3, 3, 64, 64], stride: 1, pad: 'valid' },
  { x: [1, 8, 8, 64], filter: [3, 3, 64, 128], stride: 2, pad: torchPad(1) },
  { x: [1, 6, 6, 128], filter: [3, 3, 128, 256], stride: 2, pad: 2 },
  { x: [3, 9, 11, 3], filter: [1, 1, 3, 7], stride: 1, pad: 'same' },
];

interface TransposeCase {
  x: [number, number, number, number];
  /** [kh, kw, out, in] */
  filter: [number, number, number, number];
  outShape: [number, number, number, number];
  stride: number;
  pad: Pad;
}

const TRANSPOSE_CASES: TransposeCase[] = [
  // PyTorch ConvTranspose2d(k3, s2, p1, output_padding 1): H -> 2H.
  { x: [1, 5, 7, 128], filter: [3, 3, 64, 128], outShape: [1, 10, 14, 64], stride: 2, pad: 1 },
  { x: [3, 6, 5, 3], filter: [3, 3, 1, 3], outShape: [3, 12, 10, 1], stride: 2, pad: 1 },
  { x: [1, 4, 4, 256], filter: [3, 3, 128, 256], outShape: [1, 8, 8, 128], stride: 2, pad: 1 },
  { x: [1, 7, 9, 3], filter: [3, 3, 5, 3], outShape: [1, 13, 17, 5], stride: 2, pad: 'same' },
  { x: [1, 9, 11, 4], filter: [3, 3, 2, 4], outShape: [1, 11, 13, 2], stride: 1, pad: 'valid' },
];

function convInputs(rng: Rng, c: ConvCase) {
  const probe = tf.tidy(() =>
    tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.stride, c.pad),
  );
  const dyShape = probe.shape;
  probe.dispose();
  return [
    { values: randomValues(rng, c.x), shape: c.x },
    { values: randomValues(rng, c.filter), shape: c.filter },
    { values: randomValues(rng, dyShape), shape: dyShape },
  ];
}

function convAndGrads(c: ConvCase) {
  return (x: tf.Tensor, w: tf.Tensor, dy: tf.Tensor) => {
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad);
    const [dx, dw] = tf.grads(f)([x, w], dy);
    return [f(x, w), dx, dw];
  };
}

function transposeAndGrads(c: TransposeCase) {
  return (x: tf.Tensor, w: tf.Tensor, dy: tf.Tensor) => {
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, c.outShape, c.stride, c.pad);
    const [dx, dw] = tf.grads(f)([x, w], dy);
    return [f(x, w), dx, dw];
  };
}

const transposeInputs = (rng: Rng, c: TransposeCase) => [
  { values: randomValues(rng, c.x), shape: c.x },
  { values: randomValues(rng, c.filter), shape: c.filter },
  { values: randomValues(rng, c.outShape), shape: c.outShape },
];

test(
  'onednn conv2d: forward, dx and dw match the CPU backend (fp32)',
  skipUnlessBuilt(),
  async (t) => {
    useOnednn('fp32');
    const rng = Rng.derive(1);
    for (const c of CONV_CASES) {
      await t.test(convName(c), () =>
        compareWithCpu(convName(c), convInputs(rng, c), convAndGrads(c)),
      );
    }
  },
);

test(
  'onednn conv2dTranspose: forward, dx and dw match the CPU backend (fp32)',
  skipUnlessBuilt(),
  async (t) => {
    useOnednn('fp32');
    const rng = Rng.derive(2);
    for (const c of TRANSPOSE_CASES) {
      const name = `x${c.x.join('x')} -> ${c.outShape.join('x')} s${c.stride} ${padName(c.pad)}`;
      await t.test(name, () => compareWithCpu(name, transposeInputs(rng, c), transposeAndGrads(c)));
    }
  },
);

test('onednn conv2d: dilation 2, forward', skipUnlessBuilt(), async () => {
  useOnednn('fp32');
  const rng = Rng.derive(3);
  const x: [number, number, number, number] = [2, 13, 17, 3];
  const w: [number, number, number, number] = [3, 3, 3, 4];
  await compareWithCpu(
    'dilation 2',
    [
      { values: randomValues(rng, x), shape: x },
      { values: randomValues(rng, w), shape: w },
    ],
    (a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same', 'NHWC', 2),
  );
});

test('onednn fusedConv2d: bias with linear, relu and leakyrelu', skipUnlessBuilt(), async (t) => {
  useOnednn('fp32');
  const rng = Rng.derive(4);
  const x: [number, number, number, number] = [3, 13, 17, 3];
  const w: [number, number, number, number] = [3, 3, 3, 8];
  for (const activation of ['linear', 'relu', 'leakyrelu'] as const) {
    const inputs = [
      { values: randomValues(rng, x), shape: x },
      { values: randomValues(rng, w), shape: w },
      { values: randomValues(rng, [8]), shape: [8] },
      { values: randomValues(rng, [3, 7, 9, 8]), shape: [3, 7, 9, 8] },
    ];
    await t.test(activation, () =>
      compareWithCpu(activation, inputs, (a, b, bias, dy) => {
        const f = (xa: tf.Tensor, wa: tf.Tensor, ba: tf.Tensor) =>
          tf.fused.conv2d({
            x: xa as tf.Tensor4D,
            filter: wa as tf.Tensor4D,
            strides: 2,
            pad: torchPad(1),
            bias: ba,
            activation,
            leakyreluAlpha: 0.2,
          });
        // TensorFlow.js differentiates fused convolutions for linear and relu only.
        const grads = activation === 'leakyrelu' ? [] : tf.grads(f)([a, b, bias], dy);
        return [f(a, b, bias), ...grads];
      }),
    );
  }
});

test('onednn bf16: convolutions and gradients within 1e-2', skipUnlessBuilt(), async (t) => {
  if (!cpuHasBf16()) {
    t.skip('this CPU has no AVX-512 BF16 or AMX');
    return;
  }
  useOnednn('bf16');
  const rng = Rng.derive(5);
  for (const c of CONV_CASES.slice(4, 9)) {
    await t.test(convName(c), () =>
      compareWithCpu(convName(c), convInputs(rng, c), convAndGrads(c), BF16_TOLERANCE),
    );
  }
  const c = TRANSPOSE_CASES[0];
  await t.test('transpose', () =>
    compareWithCpu('transpose', transposeInputs(rng, c), transposeAndGrads(c), BF16_TOLERANCE),
  );
  useOnednn('fp32');
});
