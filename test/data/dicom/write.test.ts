/**
 * writeDicom: round trips through our reader and through dcmtk (dcmdump, dcm2pnm), derived
 * image attributes, de-identification, UIDs, spacing, atomic writes.
 */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { readDicom, writeDicom, type DicomMeta } from '../../../src/data/dicom';
import { encodeDicom } from '../../../src/data/dicom/write';
import { makeDicom, noDcmtk, run, tempDir } from './helpers';

const derivation = { model: 'resnet_9blocks', checkpoint: 'runs/ct2mr/latest', direction: 'AtoB' };

/** A source with identifiers, spacing and a study, as a reader reports it. */
const source: DicomMeta = readDicom(
  makeDicom({
    rows: 2,
    columns: 3,
    pixels: [0, 1, 2, 3, 4, 5],
    extra: {
      PixelSpacing: ['0.5', '0.25'],
      InstitutionName: 'General Hospital',
      StudyDate: '20240102',
      AccessionNumber: 'ACC42',
      ReferringPhysicianName: 'Who^Doctor',
      OperatorsName: 'Op^Erator',
      BodyPartExamined: 'CHEST',
      Modality: 'CT',
    },
  }),
  'source.dcm',
  {},
).meta;

/** Values in [-1, 1] for a 2x3 image, and what 16 bits make of them. */
const values = Float32Array.from([-1, -0.5, 0, 0.25, 0.999, 1]);
const grey = { data: values, height: 2, width: 3, channels: 1 as const };

function dump(bytes: Uint8Array): string {
  const { dir, remove } = tempDir();
  try {
    const file = join(dir, 'out.dcm');
    writeFileSync(file, bytes);
    return run('dcmdump', ['+L', file]);
  } finally {
    remove();
  }
}

describe('writeDicom', () => {
  const { dir, remove } = tempDir();
  after(remove);

  it('16-bit greyscale reads back through our reader as (x + 1) / 2 on 65535 levels', async () => {
    const path = join(dir, 'grey16.dcm');
    await writeDicom(path, grey, { bits: 16, source, derivation });
    const image = readDicom(new Uint8Array(readFileSync(path)), path, {});
    assert.equal(image.width, 3);
    assert.equal(image.height, 2);
    assert.equal(image.channels, 1);
    const expected = Array.from(values, (v) => Math.round(((v + 1) / 2) * 65535) / 65535);
    Array.from(image.frames[0]).forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6));
    assert.deepEqual(image.meta.pixelSpacing, [0.5, 0.25]);
    assert.equal(image.meta.bitsStored, 16);
    assert.equal(image.meta.photometric, 'MONOCHROME2');
    // no temporary file is left beside it
    assert.deepEqual(readdirSync(dir), ['grey16.dcm']);
  });

  it('8-bit RGB reads back', () => {
    const rgb = {
      data: Float32Array.from([-1, 0, 1, 1, -1, 0]),
      height: 1,
      width: 2,
      channels: 3 as const,
    };
    const image = readDicom(encodeDicom(rgb, { bits: 8, derivation }), 'rgb.dcm', {});
    assert.equal(image.channels, 3);
    assert.deepEqual(
      Array.from(image.frames[0], (v) => Math.round(v * 255)),
      [0, 128, 255, 255, 0, 128],
    );
  });

  it('new UIDs: stable study and series per source series, new SOP instance each time', () => {
    const a = readDicom(encodeDicom(grey, { bits: 8, source, derivation }), 'a', {}).meta;
    const b = readDicom(encodeDicom(grey, { bits: 8, source, derivation }), 'b', {}).meta;
    for (const m of [a, b]) {
      assert.match(m.sopInstanceUid ?? '', /^2\.25\.\d+$/);
      assert.notEqual(m.studyInstanceUid, source.studyInstanceUid);
      assert.notEqual(m.seriesInstanceUid, source.seriesInstanceUid);
      assert.ok((m.sopInstanceUid ?? '').length <= 64);
    }
    assert.equal(a.studyInstanceUid, b.studyInstanceUid);
    assert.equal(a.seriesInstanceUid, b.seriesInstanceUid);
    assert.notEqual(a.sopInstanceUid, b.sopInstanceUid);
    const other = { ...derivation, direction: 'BtoA' };
    const c = readDicom(encodeDicom(grey, { bits: 8, source, derivation: other }), 'c', {}).meta;
    assert.notEqual(c.seriesInstanceUid, a.seriesInstanceUid);
  });

  it('identifiers removed by default, kept with keepIdentifiers', () => {
    const removed = readDicom(encodeDicom(grey, { bits: 8, source, derivation }), 'r', {}).meta;
    assert.deepEqual(removed.attributes, { Modality: 'CT', BodyPartExamined: 'CHEST' });
    const kept = readDicom(
      encodeDicom(grey, { bits: 8, source, derivation, keepIdentifiers: true }),
      'k',
      {},
    ).meta;
    assert.equal(kept.attributes.PatientName, 'Test^Patient');
    assert.equal(kept.attributes.PatientID, 'PID-0001');
    assert.equal(kept.attributes.InstitutionName, 'General Hospital');
    assert.equal(kept.attributes.StudyDate, '20240102');
    assert.equal(kept.attributes.OperatorsName, 'Op^Erator');
  });

  it('a resized image gets its spacing scaled to keep the physical size', () => {
    const big = { data: new Float32Array(4 * 6), height: 4, width: 6, channels: 1 as const };
    const meta = readDicom(encodeDicom(big, { bits: 8, source, derivation }), 'big', {}).meta;
    assert.deepEqual(meta.pixelSpacing, [0.25, 0.125]);
  });

  it('rejects data of the wrong length', () => {
    assert.throws(
      () => encodeDicom({ ...grey, data: new Float32Array(5) }, { bits: 8, derivation }),
      {
        name: 'UserError',
        message: 'Expected 6 values for 2x3x1 but received 5',
      },
    );
  });
});

describe('writeDicom read by dcmtk', { skip: noDcmtk }, () => {
  it('dcmdump: derived secondary capture, source referenced, identifiers removed', () => {
    const text = dump(encodeDicom(grey, { bits: 16, source, derivation }));
    assert.match(text, /\(0008,0008\) CS \[DERIVED\\SECONDARY\]/);
    assert.match(text, /\(0008,0016\) UI =SecondaryCaptureImageStorage/);
    const description =
      'CycleGAN translation (cyclegan-ts): model resnet_9blocks; ' +
      'checkpoint runs/ct2mr/latest; direction AtoB';
    assert.ok(text.includes(`(0008,2111) ST [${description}]`));
    assert.match(text, /\(0008,1150\) UI =SecondaryCaptureImageStorage/);
    assert.match(text, /\(0008,1155\) UI \[2\.25\.111\]/);
    assert.match(text, /\(0010,0010\) PN \(no value available\)/);
    assert.match(text, /\(0010,0020\) LO \(no value available\)/);
    assert.match(text, /\(0008,0020\) DA \(no value available\)/);
    assert.match(text, /\(0008,0050\) SH \(no value available\)/);
    assert.match(text, /\(0012,0062\) CS \[YES\]/);
    assert.match(
      text,
      /\(0012,0063\) LO \[PS3\.15 Annex E Basic Application Level Confidentiality/,
    );
    assert.match(text, /\(0008,0100\) SH \[113100\]/);
    assert.match(text, /\(0028,0030\) DS \[0\.5\\0\.25\]/);
    assert.match(text, /\(0008,0060\) CS \[CT\]/);
    for (const gone of [
      'General Hospital',
      'Op^Erator',
      'Who^Doctor',
      'ACC42',
      '20240102',
      'Test^Patient',
      'PID-0001',
    ]) {
      assert.ok(!text.includes(gone), `${gone} should be removed`);
    }
    assert.ok(!text.includes('2.25.222') && !text.includes('2.25.333'), 'source study/series UIDs');
  });

  it('dcmdump shows the identifiers when kept', () => {
    const text = dump(encodeDicom(grey, { bits: 16, source, derivation, keepIdentifiers: true }));
    assert.match(text, /\(0010,0010\) PN \[Test\^Patient\]/);
    assert.match(text, /\(0008,0080\) LO \[General Hospital\]/);
    assert.ok(!text.includes('(0012,0062)'));
  });

  it('dcm2pnm converts 8-bit grey and RGB to the same samples', () => {
    const { dir, remove } = tempDir();
    try {
      const greyFile = join(dir, 'grey.dcm');
      writeFileSync(greyFile, encodeDicom(grey, { bits: 8, derivation }));
      run('dcm2pnm', ['--write-raw-pnm', greyFile, join(dir, 'grey.pgm')]);
      const pgm = readFileSync(join(dir, 'grey.pgm'));
      const expected = Array.from(values, (v) => Math.round(((v + 1) / 2) * 255));
      assert.deepEqual(Array.from(pgm.subarray(pgm.length - 6)), expected);
      assert.equal(pgm.subarray(0, 2).toString(), 'P5');

      const rgbData = Float32Array.from([-1, 0, 1, 1, -1, 0]);
      const rgbFile = join(dir, 'rgb.dcm');
      const rgb = { data: rgbData, height: 1, width: 2, channels: 3 as const };
      writeFileSync(rgbFile, encodeDicom(rgb, { bits: 8, derivation }));
      run('dcm2pnm', ['--write-raw-pnm', rgbFile, join(dir, 'rgb.ppm')]);
      const ppm = readFileSync(join(dir, 'rgb.ppm'));
      assert.equal(ppm.subarray(0, 2).toString(), 'P6');
      assert.deepEqual(Array.from(ppm.subarray(ppm.length - 6)), [0, 128, 255, 255, 0, 128]);
    } finally {
      remove();
    }
  });

  it('dcm2pnm reads 16-bit output with its own window to the same picture', () => {
    const { dir, remove } = tempDir();
    try {
      const file = join(dir, 'grey16.dcm');
      writeFileSync(file, encodeDicom(grey, { bits: 16, derivation }));
      // +Wi 1: the file's first window (full range); 8-bit output
      run('dcm2pnm', ['--write-raw-pnm', '+Wi', '1', file, join(dir, 'grey16.pgm')]);
      const pgm = readFileSync(join(dir, 'grey16.pgm'));
      const ours = Array.from(values, (v) => ((v + 1) / 2) * 255);
      const theirs = Array.from(pgm.subarray(pgm.length - 6));
      theirs.forEach((v, i) => assert.ok(Math.abs(v - ours[i]) <= 1, `${v} vs ${ours[i]}`));
    } finally {
      remove();
    }
  });
});
