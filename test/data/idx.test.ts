import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decodeImage } from '../../src/data/image';
import { parseIdx, readFashionMnist, readIdx } from '../../src/data/idx';
import { UserError } from '../../src/util/errors';
import { makeShoes2boots } from '../../scripts/make-shoes2boots';
import { tmpDir, unit8 } from './fixtures';

const FASHION = '/usr/share/datasets/fashion-mnist';
const haveFashion = fs.existsSync(path.join(FASHION, 'train-labels-idx1-ubyte.gz'));
const noFashion = haveFashion
  ? false
  : `Debian's dataset-fashion-mnist is not installed (${FASHION})`;
const dir = tmpDir();

/** An IDX header: type, then the dimensions big-endian. */
function header(type: number, dims: number[]): number[] {
  return [
    0,
    0,
    type,
    dims.length,
    ...dims.flatMap((d) => [d >>> 24, (d >>> 16) & 255, (d >>> 8) & 255, d & 255]),
  ];
}

describe('parseIdx', () => {
  it('uint8 2x3, plain and gzipped', () => {
    const bytes = Uint8Array.from([...header(0x08, [2, 3]), 1, 2, 3, 4, 5, 250]);
    for (const input of [bytes, gzipSync(bytes)]) {
      const idx = parseIdx(input, 'mem');
      assert.deepEqual(idx.dims, [2, 3]);
      assert.deepEqual(idx.data, Uint8Array.of(1, 2, 3, 4, 5, 250));
    }
  });

  it('int16 and float32 are big-endian', () => {
    const i16 = parseIdx(Uint8Array.from([...header(0x0b, [2]), 0x01, 0x02, 0xff, 0xfe]), 'mem');
    assert.deepEqual(i16.data, Int16Array.of(258, -2));
    const f32 = parseIdx(Uint8Array.from([...header(0x0d, [1]), 0x3f, 0xc0, 0, 0]), 'mem');
    assert.deepEqual(f32.data, Float32Array.of(1.5));
  });

  it('errors name the source', () => {
    assert.throws(
      () => parseIdx(Uint8Array.of(1, 2, 3, 4), 'x.idx'),
      new UserError('x.idx: not an IDX file (expected 00 00 <type> <rank> at the start)'),
    );
    assert.throws(
      () => parseIdx(Uint8Array.from([...header(0x08, [2, 2]), 1, 2, 3]), 'x.idx'),
      new UserError('x.idx: truncated IDX data (2x2 uint8 needs 16 bytes, file has 15)'),
    );
    assert.throws(
      () => parseIdx(Uint8Array.from(header(0x08, [0])), 'x.idx', 3),
      new UserError('x.idx: expected an IDX array of rank 3, received rank 1'),
    );
    const missing = path.join(dir, 'none.idx');
    assert.throws(
      () => readIdx(missing),
      new UserError(`${missing}: cannot read (file not found)`),
    );
  });
});

describe('Fashion-MNIST and shoes2boots', () => {
  it('the Debian files: 60000 28x28 training images, first label 9', { skip: noFashion }, () => {
    const train = readFashionMnist(FASHION, 'train');
    assert.deepEqual([train.count, train.height, train.width], [60000, 28, 28]);
    assert.equal(train.labels[0], 9); // the first training image is an ankle boot
    assert.equal(readFashionMnist(FASHION, 't10k').count, 10000);
  });

  it('the bundled data set matches a fresh conversion', { skip: noFashion }, async () => {
    const out = path.join(dir, 'shoes2boots');
    const written = await makeShoes2boots(FASHION, out);
    assert.deepEqual(written, { trainA: 1000, trainB: 1000, testA: 200, testB: 200 });
    const bundled = path.join(__dirname, '..', '..', '..', 'datasets', 'shoes2boots');
    for (const folder of ['trainA', 'trainB', 'testA', 'testB']) {
      const names = fs.readdirSync(path.join(out, folder)).sort();
      assert.equal(names[0], '00001.png');
      assert.deepEqual(fs.readdirSync(path.join(bundled, folder)).sort(), names, folder);
      for (const name of names) {
        const a = fs.readFileSync(path.join(out, folder, name));
        assert.ok(a.equals(fs.readFileSync(path.join(bundled, folder, name))), `${folder}/${name}`);
      }
    }
    // trainB/00001.png is the first training image itself, pixel for pixel
    const train = readFashionMnist(FASHION, 'train');
    const image = await decodeImage(path.join(bundled, 'trainB', '00001.png'), 1);
    assert.deepEqual(image.data, Float32Array.from(train.images.subarray(0, 784), unit8));
  });
});
