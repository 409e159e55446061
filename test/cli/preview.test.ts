import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { PreviewOptions, runPreview } from '../../src/cli/preview';
import { repoRoot } from '../support/python';
import { rampSlice, writeCt } from '../support/dicom_dataset';

const bin = path.join(repoRoot(), 'bin', 'cyclegan.js');

/** Every file under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

/** The 8-bit grey value a preview shows for `hu` through the DICOM linear window. */
function windowed(hu: number, center: number, width: number): number {
  const unit = Math.min(1, Math.max(0, (hu - (center - 0.5)) / (width - 1) + 0.5));
  const v = Math.round(unit * 65535) / 32767.5 - 1; // 16-bit sample scaled to [-1, 1]
  return Math.min(255, Math.max(0, Math.round((v + 1) * 127.5)));
}

/** A grey PNG's pixels (sharp would hand back RGB without extractChannel). */
async function grey(file: string) {
  const meta = await sharp(file).metadata();
  const data = await sharp(file).extractChannel(0).raw().toBuffer();
  return {
    pixels: Array.from(data),
    width: meta.width,
    height: meta.height,
    channels: meta.channels,
  };
}

describe('cyclegan preview', () => {
  let root: string;
  let input: string;
  const slice = rampSlice(16, 16, 0);
  const options = (output: string, extra: Partial<PreviewOptions> = {}): PreviewOptions => ({
    input,
    output: path.join(root, output),
    inputNc: 1,
    preprocess: 'none',
    loadSize: 16,
    cropSize: 16,
    flip: false,
    seed: 0,
    maxDatasetSize: Infinity,
    frames: 'first',
    ...extra,
  });
  const quiet = () => undefined;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cyclegan-preview-'));
    input = path.join(root, 'in');
    writeCt(path.join(input, '6154'), { ...slice, window: { center: -500, width: 1000 } });
    writeCt(path.join(input, 'a', 'b.dcm'), rampSlice(16, 16, 1));
    writeCt(path.join(input, 'd', 'e.dcm'), rampSlice(16, 16, 2));
    writeCt(path.join(input, '1.2.840.5'), rampSlice(16, 16, 3));
    writeCt(path.join(input, 'multi'), { ...rampSlice(16, 16, 4), frames: 3 });
    // left half black, right half white: a flip would show
    const half = Buffer.alloc(20 * 12);
    for (let p = 0; p < half.length; p++) half[p] = p % 20 >= 10 ? 255 : 0;
    const png = sharp(half, { raw: { width: 20, height: 12, channels: 1 } }).png();
    await png.clone().toFile(path.join(input, 'a', 'c.png'));
    await png.clone().toFile(path.join(input, 'd', 'e.png'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('names outputs after the sources and mirrors sub-folders', async () => {
    const r = await runPreview(options('names'), quiet);
    assert.deepEqual(r, { written: 7, failed: 0 });
    assert.deepEqual(tree(path.join(root, 'names')), [
      '1.2.840.5.png', // a DICOM UID name keeps its dots
      '6154.png',
      'a/b.png',
      'a/c.png',
      'd/e.dcm.png', // e.dcm and e.png would collide: both keep their extension
      'd/e.png.png',
      'multi.png',
    ]);
  });

  it('--window 40,400 is applied: pixels are the DICOM linear window of the HU values', async () => {
    await runPreview(options('window', { window: { center: 40, width: 400 } }), quiet);
    const got = await grey(path.join(root, 'window', '6154.png'));
    assert.deepEqual([got.width, got.height, got.channels], [16, 16, 1]);
    assert.deepEqual(
      got.pixels,
      slice.hu.map((hu) => windowed(hu, 40, 400)),
    );
  });

  it("without --window the file's own window is used", async () => {
    await runPreview(options('own'), quiet);
    const got = await grey(path.join(root, 'own', '6154.png'));
    assert.deepEqual(
      got.pixels,
      slice.hu.map((hu) => windowed(hu, -500, 1000)),
    );
  });

  it('keeps orientation with --no-flip; the fixed seed flips the same way every time', async () => {
    await runPreview(options('noflip', { input: path.join(input, 'a', 'c.png') }), quiet);
    const kept = await grey(path.join(root, 'noflip', 'c.png'));
    assert.deepEqual([kept.width, kept.height], [20, 12]);
    assert.equal(kept.pixels[0], 0);
    assert.equal(kept.pixels[19], 255);
    const flips: number[] = [];
    for (const run of ['flip1', 'flip2']) {
      await runPreview(options(run, { flip: true, seed: 0 }), quiet);
      flips.push((await grey(path.join(root, run, 'a', 'c.png'))).pixels[0]);
    }
    assert.equal(flips[0], flips[1]);
  });

  it('--preprocess resize_and_crop gives crop-size squares', async () => {
    await runPreview(
      options('crop', { preprocess: 'resize_and_crop', loadSize: 20, cropSize: 12 }),
      quiet,
    );
    for (const f of tree(path.join(root, 'crop'))) {
      const m = await sharp(path.join(root, 'crop', f)).metadata();
      assert.deepEqual([m.width, m.height], [12, 12], f);
    }
  });

  it('--frames all writes each frame of a multi-frame file as <name>-frame<k>', async () => {
    const multi = path.join(input, 'multi');
    await runPreview(options('frames', { input: multi, frames: 'all', window: 'auto' }), quiet);
    assert.deepEqual(tree(path.join(root, 'frames')), [
      'multi-frame1.png',
      'multi-frame2.png',
      'multi-frame3.png',
    ]);
  });

  it('a bad file is named in a log line, the others are written, exit code 1', () => {
    const bad = path.join(root, 'bad-in');
    fs.mkdirSync(bad);
    fs.copyFileSync(path.join(input, 'a', 'c.png'), path.join(bad, 'good.png'));
    fs.writeFileSync(path.join(bad, 'notes.png'), 'not an image');
    const out = path.join(root, 'bad-out');
    const r = spawnSync(
      process.execPath,
      [bin, 'preview', '--input', bad, '--output', out, '--input-nc', '1'],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(
      lines[0],
      `failed: ${path.join(bad, 'notes.png')}: not an image (unrecognised format)`,
    );
    assert.equal(
      lines.at(-1),
      'error: 1 file could not be read (listed above); 1 preview written.',
    );
    assert.deepEqual(tree(out), ['good.png']);
  });

  it('refuses an output folder inside the input folder', async () => {
    await assert.rejects(
      runPreview(options('x', { output: path.join(input, 'previews') }), quiet),
      {
        name: 'UserError',
        message: `--output ${path.join(input, 'previews')} is inside --input ${input}.`,
      },
    );
  });
});
