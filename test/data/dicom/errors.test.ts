/** Bad files: each kind fails with a BadImageError naming the file and the fault. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { readDicom } from '../../../src/data/dicom';
import { BadImageError } from '../../../src/util/errors';
import { makeDicom } from './helpers';

function assertBad(bytes: Uint8Array, reason: string): void {
  assert.throws(
    () => readDicom(bytes, 'scan.dcm', {}),
    (e: unknown) => {
      assert.ok(e instanceof BadImageError, `expected BadImageError, got ${e}`);
      assert.equal(e.path, 'scan.dcm');
      assert.equal(e.message, `scan.dcm: ${reason}`);
      return true;
    },
  );
}

const encapsulated = (transferSyntax: string, frame: number[]) =>
  makeDicom({
    rows: 2,
    columns: 2,
    pixels: [],
    bitsAllocated: 8,
    transferSyntax,
    encapsulated: [Uint8Array.from(frame)],
  });

describe('bad DICOM files', () => {
  const good = makeDicom({ rows: 16, columns: 16, pixels: new Array(256).fill(7) });

  it('not DICOM: a PNG signature', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    assertBad(png, 'not a DICOM file (no "DICM" marker at byte 128 and no data set at byte 0)');
  });

  it('truncated inside the pixel data', () => {
    const cut = good.subarray(0, good.length - 100);
    assertBad(
      cut,
      `truncated DICOM file: the file ends inside an element of the data set (${cut.length} bytes)`,
    );
  });

  it('truncated inside the file meta information', () => {
    assertBad(
      good.subarray(0, 150),
      'truncated DICOM file: the file ends inside the file meta information (150 bytes)',
    );
  });

  it('pixel data shorter than Rows x Columns x bits needs', () => {
    assertBad(
      makeDicom({ rows: 4, columns: 4, pixels: [1, 2, 3] }),
      'truncated pixel data: 6 bytes where 1 frame(s) of 4x4x1 at 16 bits need 32',
    );
  });

  it('unsupported transfer syntax names its UID and name', () => {
    assertBad(
      encapsulated('1.2.840.10008.1.2.4.100', [0, 0, 1, 0xb3]),
      'transfer syntax 1.2.840.10008.1.2.4.100 (MPEG2 Main Profile / Main Level) is not supported',
    );
    assertBad(
      encapsulated('1.2.840.10008.1.2.4.201', [0xff, 0x4f]),
      'transfer syntax 1.2.840.10008.1.2.4.201 (High-Throughput JPEG 2000 (Lossless Only)) ' +
        'is not supported',
    );
  });

  it('unknown transfer syntax UID', () => {
    assertBad(
      encapsulated('1.2.3.4.5', [1, 2, 3, 4]),
      'transfer syntax 1.2.3.4.5 (unknown transfer syntax) is not supported',
    );
  });

  it('no pixel data', () => {
    assertBad(
      makeDicom({ rows: 2, columns: 2, pixels: [], noPixelData: true }),
      'DICOM object has no pixel data (7FE0,0010): not an image',
    );
  });

  it('photometric interpretation we do not decode', () => {
    assertBad(
      makeDicom({ rows: 2, columns: 2, pixels: [1, 2, 3, 4], photometric: 'PALETTE COLOR' }),
      'photometric interpretation PALETTE COLOR with 1 sample(s) per pixel is not supported yet',
    );
  });

  it('BitsAllocated 1', () => {
    const bytes = makeDicom({
      rows: 8,
      columns: 1,
      pixels: [0xff],
      bitsAllocated: 8,
      extra: { BitsAllocated: 1, BitsStored: 1, HighBit: 0 },
    });
    assertBad(bytes, 'BitsAllocated 1 is not supported yet');
  });

  it('corrupt compressed frames are errors, never zeros', () => {
    const sofOnly = [0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0, 2, 0, 2, 1, 1, 0x11, 0, 0xff, 0xd9];
    assertBad(
      encapsulated('1.2.840.10008.1.2.4.50', sofOnly),
      'cannot decode frame 1 (1.2.840.10008.1.2.4.50 (JPEG Baseline (Process 1))): ' +
        'the decoder rejected the stream',
    );
    assertBad(
      encapsulated('1.2.840.10008.1.2.4.90', [0xff, 0x4f, 0xff, 0x51, 1, 2, 3, 4]),
      'cannot decode frame 1 (1.2.840.10008.1.2.4.90 (JPEG 2000 (Lossless Only))): ' +
        'OpenJPEG decoded no image',
    );
    assertBad(
      encapsulated('1.2.840.10008.1.2.4.80', [0xff, 0xd8, 0xff, 0xf7, 1, 2, 3, 4]),
      'cannot decode frame 1 (1.2.840.10008.1.2.4.80 (JPEG-LS Lossless)): ' +
        'the decoder rejected the stream',
    );
    assertBad(
      encapsulated('1.2.840.10008.1.2.5', new Array(64).fill(0)),
      'cannot decode frame 1 (1.2.840.10008.1.2.5 (RLE Lossless)): ' +
        'RLE frame has 0 segments where 1 are needed',
    );
    assertBad(
      encapsulated('1.2.840.10008.1.2.4.51', [0xff, 0xd8, 0xff, 0xc9, 0, 11, 12, 0, 2, 0, 2, 1]),
      'cannot decode frame 1 (1.2.840.10008.1.2.4.51 (JPEG Extended (Process 2 & 4))): ' +
        'extended sequential, arithmetic coding JPEG is not supported yet',
    );
  });

  it('a code stream whose size disagrees with Rows and Columns', () => {
    // A valid 1x1 RLE frame would not do: RLE has no header; use a JPEG SOF of 8x8.
    const sof8x8 = [0xff, 0xd8, 0xff, 0xc3, 0, 11, 8, 0, 8, 0, 8, 1, 1, 0x11, 0, 0xff, 0xd9];
    assertBad(
      encapsulated('1.2.840.10008.1.2.4.70', sof8x8),
      'cannot decode frame 1 (1.2.840.10008.1.2.4.70 ' +
        '(JPEG Lossless, Non-Hierarchical, First-Order Prediction)): ' +
        'code stream is 8x8, the data set says 2x2',
    );
  });
});
