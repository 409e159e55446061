import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  enlargeAndCrop,
  loadTransformed,
  planTransform,
  TransformOptions,
} from '../../src/data/transforms';
import { UserError } from '../../src/util/errors';
import { Rng } from '../../src/util/rng';
import { encodeRaw, greyPng, tmpDir, unit16, unit8 } from './fixtures';

const dir = tmpDir();
const opts = (o: Partial<TransformOptions>): TransformOptions => ({
  preprocess: 'resize_and_crop',
  loadSize: 286,
  cropSize: 256,
  noFlip: true,
  inputNc: 1,
  ...o,
});

/** The pixel value of the test pattern at (x, y): distinct along both axes. */
const pattern = (x: number, y: number): number => (x * 3 + y * 5) % 256;

describe('planTransform sizes', () => {
  it('resize_and_crop 300x200 load 286 crop 256: crop drawn left, top from the rng', () => {
    const plan = planTransform(300, 200, opts({}), Rng.derive(7));
    const r = Rng.derive(7);
    const left = r.int(31);
    const top = r.int(31);
    assert.deepEqual(plan, {
      resizeWidth: 286,
      resizeHeight: 286,
      crop: { left, top, width: 256, height: 256 },
      flip: false,
    });
  });

  it('scale_width keeps aspect but never goes below cropSize', () => {
    const o = opts({ preprocess: 'scale_width' });
    // 200/300·286 = 190.7 < 256 → 256
    assert.deepEqual(planTransform(300, 200, o, Rng.derive(1)).crop, {
      left: 0,
      top: 0,
      width: 286,
      height: 256,
    });
    // 400/200·286 = 572
    assert.deepEqual(planTransform(200, 400, o, Rng.derive(1)).crop, {
      left: 0,
      top: 0,
      width: 286,
      height: 572,
    });
    // already 286 wide and tall enough: unchanged; 301/300·286 = 286.95 floors to 286
    assert.equal(planTransform(286, 300, o, Rng.derive(1)).resizeHeight, 300);
    assert.equal(planTransform(300, 301, o, Rng.derive(1)).resizeHeight, 286);
  });

  it('scale_width_and_crop crops cropSize from the scaled image', () => {
    const plan = planTransform(
      200,
      400,
      opts({ preprocess: 'scale_width_and_crop' }),
      Rng.derive(3),
    );
    assert.deepEqual([plan.resizeWidth, plan.resizeHeight], [286, 572]);
    assert.deepEqual([plan.crop.width, plan.crop.height], [256, 256]);
    assert.ok(plan.crop.left <= 30 && plan.crop.top <= 316);
  });

  it('none rounds each side to a multiple of 4, halves to even, at least 4', () => {
    const o = opts({ preprocess: 'none' });
    const size = (w: number, h: number): number[] => {
      const p = planTransform(w, h, o, Rng.derive(0));
      return [p.resizeWidth, p.resizeHeight, p.crop.width, p.crop.height];
    };
    assert.deepEqual(size(256, 256), [256, 256, 256, 256]);
    assert.deepEqual(size(30, 22), [32, 24, 32, 24]); // 7.5 → 8, 5.5 → 6
    assert.deepEqual(size(26, 18), [24, 16, 24, 16]); // 6.5 → 6, 4.5 → 4
    assert.deepEqual(size(29, 27), [28, 28, 28, 28]); // 7.25 → 7, 6.75 → 7
    assert.deepEqual(size(2, 1), [4, 4, 4, 4]);
  });

  it('an image smaller than the crop is enlarged, aspect kept, short side = cropSize', () => {
    const plan = planTransform(20, 40, opts({ preprocess: 'crop', cropSize: 32 }), Rng.derive(5));
    assert.deepEqual([plan.resizeWidth, plan.resizeHeight], [32, 64]);
    assert.equal(plan.crop.left, 0);
    // resize_and_crop with loadSize below cropSize: the square goes up to cropSize
    const small = planTransform(9, 9, opts({ loadSize: 16, cropSize: 24 }), Rng.derive(5));
    assert.deepEqual(small, {
      resizeWidth: 24,
      resizeHeight: 24,
      crop: { left: 0, top: 0, width: 24, height: 24 },
      flip: false,
    });
  });

  it('flip drawn after the crop with p = 0.5', () => {
    let flips = 0;
    for (let seed = 0; seed < 200; seed++) {
      const plan = planTransform(
        40,
        40,
        opts({ preprocess: 'crop', cropSize: 32, noFlip: false }),
        Rng.derive(seed),
      );
      const r = Rng.derive(seed);
      r.int(9);
      r.int(9);
      assert.equal(plan.flip, r.random() < 0.5);
      if (plan.flip) flips++;
    }
    assert.ok(flips > 70 && flips < 130, `${flips} flips in 200`);
  });
});

describe('enlargeAndCrop', () => {
  it('2x1 → 4x1 bicubic with PIL edge weights, clipped', () => {
    // output x=1 samples u = 0.25: weights cubic(0.25) = 0.8671875 on -1 and cubic(0.75) =
    // 0.2265625 on 1, renormalised: (-0.8671875 + 0.2265625) / 1.09375 = -0.5857142857
    const image = { data: Float32Array.of(-1, 1), width: 2, height: 1, channels: 1 as const };
    const out = enlargeAndCrop(image, 4, 1, { left: 0, top: 0, width: 4, height: 1 }, false);
    const expected = [-1, -0.5857142857, 0.5857142857, 1];
    out.data.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `${i}: ${v}`));
    const flipped = enlargeAndCrop(image, 4, 1, { left: 1, top: 0, width: 2, height: 1 }, true);
    assert.deepEqual(Array.from(flipped.data), [out.data[2], out.data[1]]);
  });

  it('same size is the identity', () => {
    const data = Float32Array.from({ length: 12 }, (_, i) => i / 12 - 0.5);
    const image = { data, width: 2, height: 2, channels: 3 as const };
    const out = enlargeAndCrop(image, 2, 2, { left: 0, top: 0, width: 2, height: 2 }, false);
    assert.deepEqual(out.data, data);
  });
});

describe('loadTransformed', () => {
  const file = path.join(dir, 'pattern.png');

  it('crop takes the planned window exactly; flip mirrors it', async () => {
    fs.writeFileSync(file, await greyPng(40, 30, pattern));
    for (const [seed, noFlip] of [
      [11, true],
      [12, false],
      [13, false],
      [14, false],
    ] as const) {
      const o = opts({ preprocess: 'crop', cropSize: 16, noFlip });
      const plan = planTransform(40, 30, o, Rng.derive(seed));
      const image = await loadTransformed(file, o, Rng.derive(seed));
      assert.deepEqual([image.height, image.width, image.channels], [16, 16, 1]);
      for (let y = 0; y < 16; y++) {
        for (let x = 0; x < 16; x++) {
          const sx = plan.crop.left + (plan.flip ? 15 - x : x);
          const want = unit8(pattern(sx, plan.crop.top + y));
          assert.equal(image.data[y * 16 + x], want, `seed ${seed} (${x}, ${y})`);
        }
      }
    }
  });

  it('resize_and_crop shrinks in sharp: a flat image stays flat, size is cropSize', async () => {
    const flat = path.join(dir, 'flat.png');
    fs.writeFileSync(flat, await greyPng(50, 40, () => 200));
    const image = await loadTransformed(
      flat,
      opts({ loadSize: 20, cropSize: 16, inputNc: 3 }),
      Rng.derive(1),
    );
    assert.deepEqual([image.height, image.width, image.channels], [16, 16, 3]);
    assert.ok(image.data.every((v) => v === unit8(200)));
  });

  it('the small-image rule through the decoder: 20x10 with crop 16 gives 16x16', async () => {
    const small = path.join(dir, 'small.png');
    fs.writeFileSync(small, await greyPng(20, 10, pattern));
    const o = opts({ preprocess: 'crop', cropSize: 16, noFlip: false });
    const image = await loadTransformed(small, o, Rng.derive(2));
    assert.deepEqual([image.height, image.width], [16, 16]);
    assert.ok(image.data.every((v) => v >= -1 && v <= 1));
  });

  it('16-bit samples survive a crop', async () => {
    const wide = path.join(dir, 'g16.png');
    fs.writeFileSync(wide, await encodeRaw(Uint16Array.of(1, 2, 3, 4), 2, 2, 1, 'png'));
    const image = await loadTransformed(
      wide,
      opts({ preprocess: 'crop', cropSize: 1 }),
      Rng.derive(4),
    );
    const plan = planTransform(2, 2, opts({ preprocess: 'crop', cropSize: 1 }), Rng.derive(4));
    assert.deepEqual(Array.from(image.data), [unit16(1 + plan.crop.left + 2 * plan.crop.top)]);
  });

  it('none enlarges 2x1 to 4x4 with the same values as enlargeAndCrop', async () => {
    const two = path.join(dir, 'two.png');
    fs.writeFileSync(two, await greyPng(2, 1, (x) => (x === 0 ? 0 : 255)));
    const image = await loadTransformed(two, opts({ preprocess: 'none' }), Rng.derive(0));
    assert.deepEqual([image.height, image.width], [4, 4]);
    const row = Array.from(image.data.subarray(0, 4));
    [-1, -0.5857142857, 0.5857142857, 1].forEach((v, i) => assert.ok(Math.abs(row[i] - v) < 1e-6));
    assert.deepEqual(Array.from(image.data.subarray(12, 16)), row);
  });

  it('bad options are user errors naming the option', async () => {
    await assert.rejects(
      loadTransformed(file, opts({ cropSize: 0 }), Rng.derive(0)),
      new UserError('--crop-size: expected a positive integer, received 0'),
    );
    const bad = opts({ preprocess: 'zoom' as TransformOptions['preprocess'] });
    await assert.rejects(loadTransformed(file, bad, Rng.derive(0)), {
      message:
        "--preprocess: expected one of resize_and_crop, crop, scale_width, scale_width_and_crop, none, received 'zoom'",
    });
  });
});
