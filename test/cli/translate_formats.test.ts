import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { runTranslate, TranslateOptions } from '../../src/cli/translate';
import { readDicom } from '../../src/data/dicom';
import { rampSlice, writeCt } from '../support/dicom_dataset';
import { makeTinyRun } from '../support/tiny_run';

describe('translate --format png16 | dicom, --frames, --window, --keep-identifiers', () => {
  let tiny: { run: string; remove: () => void };
  let root: string;
  const options = (output: string, extra: Partial<TranslateOptions> = {}): TranslateOptions => ({
    checkpoint: tiny.run,
    epoch: 'latest',
    direction: 'AtoB',
    input: path.join(root, 'in'),
    output: path.join(root, output),
    format: 'png',
    backend: 'cpu',
    precision: 'fp32',
    ...extra,
  });
  const read = (file: string) => readDicom(new Uint8Array(fs.readFileSync(file)), file, {});

  before(async () => {
    tiny = await makeTinyRun();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cyclegan-translate-'));
    writeCt(path.join(root, 'in', 'series', '1.2.840.77'), { ...rampSlice(12, 20, 0), frames: 3 });
  });
  after(() => {
    tiny.remove();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('--frames all --format dicom: one derived 16-bit file per frame, size and spacing kept', async () => {
    const n = await runTranslate(options('dcm', { format: 'dicom', frames: 'all' }), true);
    assert.equal(n, 3);
    const dir = path.join(root, 'dcm', 'series');
    assert.deepEqual(fs.readdirSync(dir).sort(), [
      '1.2.840.77-frame1.dcm',
      '1.2.840.77-frame2.dcm',
      '1.2.840.77-frame3.dcm',
    ]);
    for (const f of fs.readdirSync(dir)) {
      const image = read(path.join(dir, f));
      assert.deepEqual([image.width, image.height, image.channels], [20, 12, 1]);
      assert.equal(image.meta.bitsStored, 16);
      assert.deepEqual(image.meta.pixelSpacing, [0.7, 0.7]);
      assert.equal(image.meta.attributes.PatientName, undefined);
    }
  });

  it('--bits 8 and --keep-identifiers', async () => {
    await runTranslate(options('dcm8', { format: 'dicom', bits: 8, keepIdentifiers: true }), true);
    const image = read(path.join(root, 'dcm8', 'series', '1.2.840.77.dcm'));
    assert.equal(image.meta.bitsStored, 8);
    assert.equal(image.meta.attributes.PatientName, 'Test^Patient');
  });

  it('--format png16 writes 16-bit PNGs; --window changes what the model reads', async () => {
    await runTranslate(
      options('w1', { format: 'png16', window: { center: 40, width: 400 } }),
      true,
    );
    await runTranslate(
      options('w2', { format: 'png16', window: { center: -500, width: 1000 } }),
      true,
    );
    const a = path.join(root, 'w1', 'series', '1.2.840.77.png');
    const b = path.join(root, 'w2', 'series', '1.2.840.77.png');
    const meta = await sharp(a).metadata();
    assert.deepEqual([meta.width, meta.height, meta.depth], [20, 12, 'ushort']);
    const raw = (f: string) => sharp(f).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
    assert.notDeepEqual(await raw(a), await raw(b));
  });

  it('without --window, DICOM files are read with the window the run was trained with', async () => {
    const file = path.join(tiny.run, 'options.json');
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    saved.options.window = { center: 40, width: 400 };
    fs.writeFileSync(file, JSON.stringify(saved));
    await runTranslate(options('trained', { format: 'png16' }), true);
    const raw = (f: string) => sharp(f).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
    assert.deepEqual(
      await raw(path.join(root, 'trained', 'series', '1.2.840.77.png')),
      await raw(path.join(root, 'w1', 'series', '1.2.840.77.png')),
    );
  });

  it('--bits with a PNG format is refused', async () => {
    await assert.rejects(runTranslate(options('x', { bits: 16 }), true), {
      name: 'UserError',
      message: '--bits 16 applies to --format dicom only.',
    });
  });
});
