/** Finding DICOM by content: Part 10 files, files without preamble, bare data sets. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isDicom, readDicom } from '../../../src/data/dicom';
import { IMPLICIT_LE, makeDicom } from './helpers';

/** Where the data set starts: after the preamble, marker and file meta group. */
function dataSetStart(file: Uint8Array): number {
  const view = new DataView(file.buffer, file.byteOffset);
  return 132 + 12 + view.getUint32(140, true); // (0002,0000) UL group length
}

describe('isDicom and headerless files', () => {
  const explicit = makeDicom({ rows: 1, columns: 3, pixels: [0, 5, 10] });
  const implicit = makeDicom({
    rows: 1,
    columns: 3,
    pixels: [0, 5, 10],
    transferSyntax: IMPLICIT_LE,
  });

  it('Part 10 file with preamble and DICM marker', () => {
    assert.equal(isDicom(explicit), true);
  });

  it('file meta group without the preamble is read', () => {
    const noPreamble = explicit.subarray(132);
    assert.equal(isDicom(noPreamble), true);
    assert.deepEqual(Array.from(readDicom(noPreamble, 'x', {}).frames[0]), [0, 0.5, 1]);
  });

  it('bare explicit VR little endian data set is read', () => {
    const raw = explicit.subarray(dataSetStart(explicit));
    assert.equal(isDicom(raw), true);
    const image = readDicom(raw, 'raw.dcm', {});
    assert.deepEqual(Array.from(image.frames[0]), [0, 0.5, 1]);
    assert.equal(image.meta.transferSyntaxName, 'Explicit VR Little Endian');
  });

  it('bare implicit VR little endian data set is read', () => {
    const raw = implicit.subarray(dataSetStart(implicit));
    assert.equal(isDicom(raw), true);
    const image = readDicom(raw, 'raw.dcm', {});
    assert.deepEqual(Array.from(image.frames[0]), [0, 0.5, 1]);
    assert.equal(image.meta.transferSyntaxName, 'Implicit VR Little Endian');
  });

  it('PNG, JPEG, text and short buffers are not DICOM', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1]);
    const text = new TextEncoder().encode('hello, this is not a medical image at all\n');
    assert.equal(isDicom(png), false);
    assert.equal(isDicom(jpeg), false);
    assert.equal(isDicom(text), false);
    assert.equal(isDicom(new Uint8Array(0)), false);
    assert.equal(isDicom(Uint8Array.from([8, 0, 5, 0])), false);
  });

  it('group 0008 with an implicit length longer than the file is not DICOM', () => {
    assert.equal(isDicom(Uint8Array.from([8, 0, 5, 0, 0xff, 0xff, 0, 0, 0x41])), false);
  });
});
