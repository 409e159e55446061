import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import {
  SampleImage,
  autoScale,
  composeGrid,
  samplePath,
  writeSampleGrid,
} from '../../src/train/samples';

function grey(height: number, width: number, values: number[]): SampleImage {
  return { data: Float32Array.from(values), height, width, channels: 1 };
}

function rgb(height: number, width: number, values: number[]): SampleImage {
  return { data: Float32Array.from(values), height, width, channels: 3 };
}

function solid(height: number, width: number, channels: 1 | 3, v: number): SampleImage {
  return { data: new Float32Array(height * width * channels).fill(v), height, width, channels };
}

test('composeGrid: values map [-1, 1] to 0..255, clamped, NaN to 0', () => {
  const { pixels, width, height, channels } = composeGrid(
    [[grey(1, 7, [-1, 1, 0, 2, -3, NaN, 0.5])]],
    1,
  );
  assert.deepEqual([width, height, channels], [7, 1, 1]);
  assert.deepEqual([...pixels], [0, 255, 128, 255, 0, 0, 191]);
});

test('composeGrid: 2x2 grid of 1x2 grey images, 2-pixel white gaps', () => {
  const a = grey(1, 2, [-1, -1]);
  const b = grey(1, 2, [1, 1]);
  const { pixels, width, height } = composeGrid(
    [
      [a, b],
      [b, a],
    ],
    1,
  );
  assert.deepEqual([width, height], [6, 4]);
  // prettier-ignore
  assert.deepEqual([...pixels], [
    0, 0, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 0, 0,
  ]);
});

test('composeGrid: nearest-neighbour enlargement repeats each pixel scale x scale times', () => {
  const { pixels, width, height } = composeGrid([[grey(2, 2, [-1, 1, 1, -1])]], 2);
  assert.deepEqual([width, height], [4, 4]);
  // prettier-ignore
  assert.deepEqual([...pixels], [
    0, 0, 255, 255,
    0, 0, 255, 255,
    255, 255, 0, 0,
    255, 255, 0, 0,
  ]);
});

test('composeGrid: a grey image among RGB ones is replicated to three channels', () => {
  const { pixels, width, channels } = composeGrid([[grey(1, 1, [0]), rgb(1, 1, [-1, 0, 1])]], 1);
  assert.deepEqual([width, channels], [4, 3]);
  assert.deepEqual([...pixels], [128, 128, 128, 255, 255, 255, 255, 255, 255, 0, 128, 255]);
});

test('composeGrid: uneven rows and sizes sit top-left in their cells', () => {
  const { pixels, width, height } = composeGrid(
    [[grey(1, 1, [-1])], [grey(2, 3, [-1, -1, -1, -1, -1, -1])]],
    1,
  );
  assert.deepEqual([width, height], [3, 5]);
  // prettier-ignore
  assert.deepEqual([...pixels], [
    0, 255, 255,
    255, 255, 255,
    255, 255, 255,
    0, 0, 0,
    0, 0, 0,
  ]);
});

test('autoScale: 32 -> 4, 28 -> 4, 64 -> 2, 100 -> 1, 256 -> 1', () => {
  for (const [side, want] of [
    [32, 4],
    [28, 4],
    [64, 2],
    [100, 1],
    [256, 1],
  ]) {
    assert.equal(autoScale([[solid(side, side, 1, 0)]]), want, `side ${side}`);
  }
});

test('composeGrid: bad input names the cell', () => {
  assert.throws(() => composeGrid([[solid(2, 2, 1, 0), grey(2, 2, [0, 0, 0])]]), {
    message: 'sample grid cell [0][1]: 2x2x1 needs 4 values, got 3',
  });
  assert.throws(() => composeGrid([[solid(2, 2, 1, 0)], []]), {
    message: 'sample grid needs at least one image in every row',
  });
  assert.throws(() => composeGrid([[solid(2, 2, 1, 0)]], 1.5), {
    message: 'sample grid scale must be a positive integer, got 1.5',
  });
});

test('writeSampleGrid: 2x3 grid of 32x32 RGB images -> 388x258 PNG with the same pixels', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samples-test-'));
  const file = samplePath(dir, 3, 1200);
  assert.equal(file, path.join(dir, 'samples', 'epoch_003_iter_0001200.png'));
  const ramp = (offset: number): SampleImage => ({
    data: Float32Array.from({ length: 32 * 32 * 3 }, (_, i) => ((i + offset) % 200) / 100 - 1),
    height: 32,
    width: 32,
    channels: 3,
  });
  const rows = [
    [ramp(0), ramp(1), ramp(2)],
    [ramp(3), ramp(4), ramp(5)],
  ];
  await writeSampleGrid(file, rows);
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [3 * 128 + 4, 2 * 128 + 2, 3]);
  assert.deepEqual(new Uint8Array(data), composeGrid(rows, 4).pixels);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['epoch_003_iter_0001200.png']);
  fs.rmSync(dir, { recursive: true });
});
