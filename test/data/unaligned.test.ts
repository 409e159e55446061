import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Batch, UnalignedDataset, UnalignedOptions } from '../../src/data/unaligned';
import { BadImageError, UserError } from '../../src/util/errors';
import { Rng } from '../../src/util/rng';
import { greyPng, tiffFile, tmpDir, unit8 } from './fixtures';

const root = tmpDir();
let roots = 0;

/** A data root with trainA / trainB holding the given files (name → bytes). */
function dataroot(folders: Record<string, Record<string, Uint8Array | string>>): string {
  const dir = path.join(root, `root${roots++}`);
  for (const [folder, files] of Object.entries(folders)) {
    fs.mkdirSync(path.join(dir, folder), { recursive: true });
    for (const [name, bytes] of Object.entries(files)) {
      fs.writeFileSync(path.join(dir, folder, name), bytes);
    }
  }
  return dir;
}

/** Flat 8x8 grey images, one per value, named 0.png, 1.png, ... */
async function flats(values: number[]): Promise<Record<string, Buffer>> {
  const files: Record<string, Buffer> = {};
  for (const [i, v] of values.entries()) files[`${i}.png`] = await greyPng(8, 8, () => v);
  return files;
}

const options = (o: Partial<UnalignedOptions> = {}): UnalignedOptions => ({
  preprocess: 'crop',
  loadSize: 8,
  cropSize: 8,
  noFlip: true,
  inputNc: 1,
  maxDatasetSize: Infinity,
  serialBatches: false,
  strict: false,
  ...o,
});

async function collect(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const batch of it) out.push(batch);
  return out;
}

const names = (paths: string[]): string[] => paths.map((p) => path.basename(p));

describe('UnalignedDataset', async () => {
  const A = [10, 20, 30, 40, 50];
  const B = [100, 110, 120];
  const flatRoot = dataroot({ trainA: await flats(A), trainB: await flats(B) });

  it('sizes and batches per epoch (floor, at least 1)', async () => {
    const ds = await UnalignedDataset.open(flatRoot, 'train', options());
    assert.deepEqual([ds.sizeA, ds.sizeB, ds.length], [5, 3, 5]);
    assert.deepEqual(
      [1, 2, 5, 8].map((n) => ds.batchesPerEpoch(n)),
      [5, 2, 1, 1],
    );
    assert.throws(
      () => ds.batchesPerEpoch(0),
      new UserError('--batch-size: expected a positive integer, received 0'),
    );
  });

  it('serial batches: A and B in index order, i % size', async () => {
    const ds = await UnalignedDataset.open(flatRoot, 'train', options({ serialBatches: true }));
    const batches = await collect(ds.batches(1, 42, 2));
    assert.equal(batches.length, 2);
    assert.deepEqual(
      batches.map((b) => b.iteration),
      [0, 1],
    );
    assert.deepEqual(
      batches.map((b) => names(b.pathsA)),
      [
        ['0.png', '1.png'],
        ['2.png', '3.png'],
      ],
    );
    assert.deepEqual(
      batches.map((b) => names(b.pathsB)),
      [
        ['0.png', '1.png'],
        ['2.png', '0.png'],
      ],
    );
    assert.deepEqual(batches[1].shape, [2, 8, 8, 1]);
    // the pixels are the files': first pixel of each image in the batch
    assert.deepEqual([batches[1].realA[0], batches[1].realA[64]], [unit8(30), unit8(40)]);
    assert.deepEqual([batches[1].realB[0], batches[1].realB[64]], [unit8(120), unit8(100)]);
  });

  it('shuffled: A in the (seed, epoch) permutation, B drawn per (seed, epoch, i)', async () => {
    const ds = await UnalignedDataset.open(flatRoot, 'train', options());
    const batches = await collect(ds.batches(3, 7, 1));
    const perm = Rng.derive(7, 3).permutation(5);
    assert.deepEqual(
      batches.map((b) => names(b.pathsA)[0]),
      perm.map((i) => `${i}.png`),
    );
    const picks = [0, 1, 2, 3, 4].map((i) => Rng.derive(7, 3, i, 0).int(3));
    assert.deepEqual(
      batches.map((b) => names(b.pathsB)[0]),
      picks.map((i) => `${i}.png`),
    );
    // every A image once per epoch; another epoch, another order
    assert.deepEqual([...perm].sort(), [0, 1, 2, 3, 4]);
    const again = await collect(ds.batches(4, 7, 1));
    assert.notDeepEqual(
      again.map((b) => b.pathsA[0]),
      batches.map((b) => b.pathsA[0]),
    );
  });

  it('a batch larger than the data set wraps around', async () => {
    const ds = await UnalignedDataset.open(flatRoot, 'train', options({ serialBatches: true }));
    const [batch, ...rest] = await collect(ds.batches(1, 0, 7));
    assert.equal(rest.length, 0);
    assert.deepEqual(
      names(batch.pathsA),
      ['0', '1', '2', '3', '4', '0', '1'].map((n) => `${n}.png`),
    );
  });

  it('exact resume: starting at iteration k gives the tail of a full epoch', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 6; i++) {
      files[`${i}.png`] = await greyPng(14, 12, (x, y) => (x * 11 + y * 7 + i * 40) % 256);
    }
    const rootR = dataroot({ trainA: files, trainB: files });
    const o = options({ preprocess: 'resize_and_crop', loadSize: 12, cropSize: 8, noFlip: false });
    const ds = await UnalignedDataset.open(rootR, 'train', o);
    const full = await collect(ds.batches(2, 99, 2));
    assert.equal(full.length, 3);
    const tail = await collect(ds.batches(2, 99, 2, 1));
    assert.deepEqual(tail, full.slice(1));
    // and a fresh data set object (a resumed process) agrees too
    const resumed = await UnalignedDataset.open(rootR, 'train', o);
    assert.deepEqual(await collect(resumed.batches(2, 99, 2, 2)), full.slice(2));
    // crops and flips really vary, so the equality above is not trivial
    assert.notDeepEqual(full[0].realA.subarray(0, 64), full[1].realA.subarray(0, 64));
  });

  it('max-dataset-size cuts both folders', async () => {
    const ds = await UnalignedDataset.open(flatRoot, 'train', options({ maxDatasetSize: 2 }));
    assert.deepEqual([ds.sizeA, ds.sizeB, ds.length], [2, 2, 2]);
    assert.deepEqual(names([...ds.pathsA]), ['0.png', '1.png']);
  });

  it('bad files are skipped with one warning each and replaced by the next usable file', async () => {
    const good = await greyPng(8, 8, () => 77);
    const rootBad = dataroot({
      trainA: {
        'a.png': good,
        'b.png': '',
        'c.png': good.subarray(0, good.length - 30),
        'd.png': 'hello, not a png\n',
        'e.png': good,
      },
      trainB: await flats([5]),
    });
    const warnings: string[] = [];
    const o = options({ serialBatches: true, onWarning: (m) => warnings.push(m) });
    const ds = await UnalignedDataset.open(rootBad, 'train', o);
    const batches = await collect(ds.batches(1, 0, 1));
    assert.deepEqual(
      batches.map((b) => names(b.pathsA)[0]),
      ['a.png', 'e.png', 'e.png', 'e.png', 'e.png'],
    );
    const dirA = path.join(rootBad, 'trainA');
    // decoding runs ahead in parallel, so the order of the warnings may vary
    assert.deepEqual(warnings.sort(), [
      `Skipping ${path.join(dirA, 'b.png')}: empty file`,
      `Skipping ${path.join(dirA, 'c.png')}: corrupt or truncated image data`,
      `Skipping ${path.join(dirA, 'd.png')}: not an image (unrecognised format)`,
    ]);
    await collect(ds.batches(2, 0, 1));
    assert.equal(warnings.length, 3);

    const strict = await UnalignedDataset.open(
      rootBad,
      'train',
      options({ strict: true, serialBatches: true }),
    );
    await assert.rejects(
      collect(strict.batches(1, 0, 1)),
      new BadImageError(path.join(dirA, 'b.png'), 'empty file'),
    );
  });

  it('a folder of only bad files', async () => {
    const rootAllBad = dataroot({
      trainA: { 'x.png': '', 'y.png': 'text' },
      trainB: await flats([1]),
    });
    const dirA = path.join(rootAllBad, 'trainA');
    await assert.rejects(
      UnalignedDataset.open(rootAllBad, 'train', options()),
      new UserError(
        `No usable images in ${dirA}: none of its 2 files could be decoded. Check --dataroot.`,
      ),
    );
  });

  it('channels that --input-nc cannot take name the folder and the option', async () => {
    const rootFive = dataroot({
      trainA: await flats([1]),
      trainB: { 'five.tif': tiffFile(1, 1, 5, [1, 2, 3, 4, 5]) },
    });
    await assert.rejects(
      UnalignedDataset.open(rootFive, 'train', options({ inputNc: 3 })),
      new UserError(
        `Images in ${path.join(rootFive, 'trainB')} cannot be used with --output-nc 3: ` +
          'five.tif has 5 channels (expected 1 to 4: grey, grey+alpha, RGB, RGBA or CMYK).',
      ),
    );
  });

  it('preprocess none with sizes that differ in one batch', async () => {
    const rootSizes = dataroot({
      trainA: { '0.png': await greyPng(8, 8, () => 0), '1.png': await greyPng(12, 8, () => 0) },
      trainB: { '0.png': await greyPng(8, 8, () => 0) },
    });
    const ds = await UnalignedDataset.open(
      rootSizes,
      'train',
      options({ preprocess: 'none', serialBatches: true }),
    );
    const dirA = path.join(rootSizes, 'trainA');
    await assert.rejects(collect(ds.batches(1, 0, 2)), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.equal(
        err.message,
        `Images of one batch differ in size: ${path.join(dirA, '0.png')} gives 8x8, ` +
          `${path.join(dirA, '1.png')} gives 8x12 (--batch-size 2, --preprocess none).`,
      );
      assert.equal(
        err.hint,
        'Use --batch-size 1, or a --preprocess mode that crops ' +
          '(resize_and_crop, crop, scale_width_and_crop).',
      );
      return true;
    });
    // batch size 1: A and B may differ in size, as in the reference
    const batches = await collect(ds.batches(1, 0, 1));
    assert.deepEqual(batches[1].shape, [1, 8, 12, 1]);
    assert.deepEqual(batches[1].shapeB, [1, 8, 8, 1]);
  });

  it('missing data root, missing trainB, empty trainA', async () => {
    const nowhere = path.join(root, 'no-such-root');
    await assert.rejects(
      UnalignedDataset.open(nowhere, 'train', options()),
      new UserError(`Folder ${nowhere} does not exist. Check --dataroot.`),
    );
    const onlyA = dataroot({ trainA: await flats([1]) });
    await assert.rejects(
      UnalignedDataset.open(onlyA, 'train', options()),
      new UserError(`Folder ${path.join(onlyA, 'trainB')} does not exist. Check --dataroot.`),
    );
    const emptyA = dataroot({ trainA: {}, trainB: await flats([1]) });
    await assert.rejects(
      UnalignedDataset.open(emptyA, 'train', options()),
      new UserError(
        `No images in ${path.join(emptyA, 'trainA')} ` +
          '(expected PNG, JPEG, WebP, TIFF, BMP, GIF or DICOM files). Check --dataroot.',
      ),
    );
    await assert.rejects(UnalignedDataset.open(flatRoot, 'test', options()), {
      message: `Folder ${path.join(flatRoot, 'testA')} does not exist. Check --dataroot.`,
    });
  });
});
