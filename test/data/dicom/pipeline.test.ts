/** The greyscale pipeline: stored bits, modality LUT, VOI, MONOCHROME1, frames. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { readDicom } from '../../../src/data/dicom';
import { IMPLICIT_LE, makeDicom } from './helpers';

function read(bytes: Uint8Array, opts = {}): number[] {
  return Array.from(readDicom(bytes, 'test.dcm', opts).frames[0]);
}

function assertClose(actual: number[], expected: number[], tolerance = 1e-6): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) =>
    assert.ok(Math.abs(v - expected[i]) <= tolerance, `value ${i}: ${v}, expected ${expected[i]}`),
  );
}

/** The example: 2x2 MONOCHROME1, 12 bits stored, [0, 4095; 2048, 1024]. */
const mono1 = (extra = {}) =>
  makeDicom({
    rows: 2,
    columns: 2,
    pixels: [0, 4095, 2048, 1024],
    bitsStored: 12,
    photometric: 'MONOCHROME1',
    extra,
  });

describe('MONOCHROME1 12-bit 2x2 example', () => {
  // Full-range linear window: y = (x - 2047.5) / 4095 + 0.5 = x / 4095, inverted.
  const expected = [1, 0, 1 - 2048 / 4095, 1 - 1024 / 4095];

  it('window option center 2048 width 4096 gives [1, 0; ~0.5, ~0.75]', () => {
    const out = read(mono1(), { window: { center: 2048, width: 4096 } });
    assertClose(out, expected);
    // As the model sees it ([0,1] to [-1,1]): [+1, -1; ~0, ~+0.5].
    assertClose(
      out.map((v) => 2 * v - 1),
      [1, -1, -1 / 4095, 0.5 - 0.5 / 4095],
    );
  });

  it('window from the file (WindowCenter/WindowWidth) gives the same', () => {
    assertClose(read(mono1({ WindowCenter: '2048', WindowWidth: '4096' })), expected);
  });

  it('no window at all uses the actual min..max and gives the same here', () => {
    assertClose(read(mono1()), expected);
  });

  it('the first of several window pairs is used', () => {
    const bytes = mono1({ WindowCenter: ['2048', '100'], WindowWidth: ['4096', '10'] });
    assertClose(read(bytes), expected);
  });
});

describe('VOI', () => {
  const ramp = (extra = {}) =>
    makeDicom({ rows: 1, columns: 5, pixels: [80, 90, 100, 109, 110], extra });

  it('linear window center 100 width 20 follows PS3.3 C.11.2.1.2 (c - 0.5, w - 1)', () => {
    // x <= 99.5 - 9.5 -> 0; x > 99.5 + 9.5 -> 1; else (x - 99.5) / 19 + 0.5
    assertClose(read(ramp(), { window: { center: 100, width: 20 } }), [
      0,
      0,
      0.5 / 19 + 0.5,
      9.5 / 19 + 0.5,
      1,
    ]);
  });

  it('window option overrides the file window', () => {
    const bytes = ramp({ WindowCenter: '0', WindowWidth: '2' });
    assertClose([read(bytes, { window: { center: 100, width: 20 } })[2]], [0.5 / 19 + 0.5]);
  });

  it('LINEAR_EXACT and SIGMOID VOI LUT functions', () => {
    const exact = ramp({ WindowCenter: '100', WindowWidth: '20', VOILUTFunction: 'LINEAR_EXACT' });
    assertClose(read(exact), [0, 0, 0.5, 0.95, 1]);
    const sigmoid = ramp({ WindowCenter: '100', WindowWidth: '40', VOILUTFunction: 'SIGMOID' });
    assertClose(
      read(sigmoid),
      [80, 90, 100, 109, 110].map((x) => 1 / (1 + Math.exp((-4 * (x - 100)) / 40))),
    );
  });

  it('VOI LUT Sequence: clamped below and above, scaled by 2^bits - 1', () => {
    const bytes = makeDicom({
      rows: 2,
      columns: 2,
      pixels: [5, 10, 12, 20],
      extra: {
        VOILUTSequence: [
          {
            LUTDescriptor: [4, 10, 8],
            LUTData: [0, 50, 200, 255],
            _vrMap: { LUTData: 'US', LUTDescriptor: 'US' },
          },
        ],
      },
    });
    assertClose(read(bytes), [0, 0, 200 / 255, 1]);
  });

  it("'auto' uses the 0.5 and 99.5 percentiles and ignores outliers", () => {
    // 200 values 0..199 with the two ends replaced by outliers: percentiles 1 and 198.
    const pixels = Array.from({ length: 200 }, (_, i) => i);
    pixels[0] = -10000;
    pixels[199] = 10000;
    const bytes = makeDicom({ rows: 10, columns: 20, pixels, signed: true });
    const out = read(bytes, { window: 'auto' });
    assertClose([out[0], out[1], out[100], out[198], out[199]], [0, 0, 99 / 197, 1, 1]);
  });

  it('a flat image reads as 0 without dividing by zero', () => {
    assertClose(read(makeDicom({ rows: 1, columns: 3, pixels: [7, 7, 7] })), [0, 0, 0]);
  });

  it('rejects a window width below 1', () => {
    assert.throws(() => read(ramp(), { window: { center: 1, width: 0 } }), {
      name: 'UserError',
      message:
        'Expected a window with a finite center and a width of at least 1 ' +
        'but received center 1, width 0',
    });
  });
});

describe('stored bits and modality LUT', () => {
  it('signed 12-bit stored in 16 bits: garbage above HighBit masked, sign extended', () => {
    const values = [0, 1, 2047, -2048, -1];
    const pixels = values.map((v) => (v & 0xfff) | 0xa000);
    const out = read(makeDicom({ rows: 1, columns: 5, pixels, bitsStored: 12, signed: true }));
    // no window: the actual range -2048..2047
    assertClose(
      out,
      values.map((v) => (v + 2048) / 4095),
    );
  });

  it('HighBit 13 with BitsStored 12: values shifted down by 2, low and top bits ignored', () => {
    const values = [0, 100, 4095];
    const pixels = values.map((v) => (v << 2) | 0x3 | 0x8000);
    const bytes = makeDicom({ rows: 1, columns: 3, pixels, bitsStored: 12, highBit: 13 });
    assertClose(read(bytes, { window: { center: 2048, width: 4096 } }), [0, 100 / 4095, 1]);
  });

  it('fractional RescaleSlope and negative intercept are applied before the window', () => {
    // modality = 0.25 x - 2.5: [-2.5, 0, 2.5, 5]
    const bytes = makeDicom({
      rows: 2,
      columns: 2,
      pixels: [0, 10, 20, 30],
      extra: { RescaleSlope: '0.25', RescaleIntercept: '-2.5' },
    });
    assertClose(read(bytes), [0, 1 / 3, 2 / 3, 1]);
    // a window in modality units: center 0, width 6 -> (y + 0.5) / 5 + 0.5 within -3..2
    assertClose(read(bytes, { window: { center: 0, width: 6 } }), [0.1, 0.6, 1, 1]);
  });

  it('signed CT-like values: slope 1, intercept -1024, window center 40 width 400', () => {
    const stored = [0, 1024, 1064, 3000];
    const bytes = makeDicom({
      rows: 2,
      columns: 2,
      pixels: stored,
      extra: {
        RescaleSlope: '1',
        RescaleIntercept: '-1024',
        WindowCenter: '40',
        WindowWidth: '400',
      },
    });
    // HU -1024, 0, 40, 1976; window 39.5 +- 199.5
    assertClose(read(bytes), [0, (0 - 39.5) / 399 + 0.5, 0.5 / 399 + 0.5, 1]);
  });

  it('enhanced multi-frame: rescale, window and spacing from the shared functional groups', () => {
    const bytes = makeDicom({
      rows: 1,
      columns: 2,
      pixels: [5, 10],
      extra: {
        SharedFunctionalGroupsSequence: [
          {
            PixelValueTransformationSequence: [{ RescaleSlope: '2', RescaleIntercept: '-10' }],
            FrameVOILUTSequence: [{ WindowCenter: '0', WindowWidth: '21' }],
            PixelMeasuresSequence: [{ PixelSpacing: ['0.7', '0.6'] }],
          },
        ],
      },
    });
    // modality [0, 10]; window -0.5 +- 10: 0 -> 0.5 / 20 + 0.5, 10 -> 1
    assertClose(read(bytes), [0.525, 1]);
    assert.deepEqual(readDicom(bytes, 'x', {}).meta.pixelSpacing, [0.7, 0.6]);
  });

  it('8-bit and 32-bit containers', () => {
    assertClose(
      read(makeDicom({ rows: 1, columns: 3, pixels: [0, 51, 255], bitsAllocated: 8 })),
      [0, 0.2, 1],
    );
    const big = [0, 2 ** 31, 2 ** 32 - 1];
    assertClose(read(makeDicom({ rows: 1, columns: 3, pixels: big, bitsAllocated: 32 })), [
      0,
      2 ** 31 / (2 ** 32 - 1),
      1,
    ]);
  });
});

describe('frames and encodings of the data set', () => {
  const frames = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110];
  const multi = makeDicom({ rows: 2, columns: 2, pixels: frames, frames: 3, bitsAllocated: 8 });

  it("frames 'first' (the default) decodes one frame, 'all' every frame", () => {
    const first = readDicom(multi, 'multi.dcm', {});
    assert.equal(first.frames.length, 1);
    assert.equal(first.meta.numberOfFrames, 3);
    const all = readDicom(multi, 'multi.dcm', { frames: 'all' });
    assert.equal(all.frames.length, 3);
    // the full range is taken over the frames read: 0..110 for all, 0..30 for the first
    assertClose(
      Array.from(all.frames[2]),
      [80, 90, 100, 110].map((v) => v / 110),
    );
    assertClose(Array.from(first.frames[0]), [0, 1 / 3, 2 / 3, 1]);
  });

  it('implicit VR little endian written by dcmjs', () => {
    const bytes = makeDicom({
      rows: 1,
      columns: 3,
      pixels: [0, 2, 4],
      transferSyntax: IMPLICIT_LE,
    });
    assertClose(read(bytes), [0, 0.5, 1]);
    assert.equal(readDicom(bytes, 'x', {}).meta.transferSyntaxName, 'Implicit VR Little Endian');
  });

  it('meta, spacing, UIDs and carried attributes are reported', () => {
    const bytes = makeDicom({
      rows: 1,
      columns: 2,
      pixels: [0, 1],
      extra: { PixelSpacing: ['0.5', '0.25'], InstitutionName: 'General Hospital' },
    });
    const meta = readDicom(bytes, 'x', {}).meta;
    assert.deepEqual(meta.pixelSpacing, [0.5, 0.25]);
    assert.equal(meta.sopInstanceUid, '2.25.111');
    assert.equal(meta.studyInstanceUid, '2.25.222');
    assert.equal(meta.seriesInstanceUid, '2.25.333');
    assert.equal(meta.modality, 'OT');
    assert.equal(meta.attributes.PatientName, 'Test^Patient');
    assert.equal(meta.attributes.InstitutionName, 'General Hospital');
    assert.equal(meta.transferSyntaxUid, '1.2.840.10008.1.2.1');
  });
});
