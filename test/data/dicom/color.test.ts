/** Colour: RGB in both planar configurations, YBR_FULL and YBR_FULL_422 to RGB. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { readDicom } from '../../../src/data/dicom';
import { makeDicom } from './helpers';

function read(bytes: Uint8Array): { channels: number; values: number[] } {
  const image = readDicom(bytes, 'colour.dcm', {});
  return { channels: image.channels, values: Array.from(image.frames[0]) };
}

function assertClose(actual: number[], expected: number[], tolerance = 1e-6): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) =>
    assert.ok(Math.abs(v - expected[i]) <= tolerance, `value ${i}: ${v}, expected ${expected[i]}`),
  );
}

/** YCbCr to RGB per PS3.3 C.7.6.3.1.2, restated here for 8 bits. */
function rgbOf(y: number, cb: number, cr: number): number[] {
  const clamp = (v: number) => Math.min(255, Math.max(0, v)) / 255;
  return [
    clamp(y + 1.402 * (cr - 128)),
    clamp(y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128)),
    clamp(y + 1.772 * (cb - 128)),
  ];
}

const rgb8 = (pixels: number[], planarConfiguration: 0 | 1, photometric = 'RGB') =>
  makeDicom({
    rows: 1,
    columns: 2,
    pixels,
    bitsAllocated: 8,
    samplesPerPixel: 3,
    photometric,
    planarConfiguration,
  });

describe('colour', () => {
  const expected = [1, 0, 0, 0, 128 / 255, 1];

  it('RGB 8-bit, planar configuration 0 (pixel by pixel)', () => {
    const out = read(rgb8([255, 0, 0, 0, 128, 255], 0));
    assert.equal(out.channels, 3);
    assertClose(out.values, expected);
  });

  it('RGB 8-bit, planar configuration 1 (plane by plane)', () => {
    assertClose(read(rgb8([255, 0, 0, 128, 0, 255], 1)).values, expected);
  });

  it('RGB 16-bit scales by 2^BitsStored - 1', () => {
    const bytes = makeDicom({
      rows: 1,
      columns: 1,
      pixels: [4095, 0, 2048],
      bitsStored: 12,
      samplesPerPixel: 3,
    });
    assertClose(read(bytes).values, [1, 0, 2048 / 4095]);
  });

  it('YBR_FULL to RGB', () => {
    const out = read(rgb8([81, 90, 240, 128, 128, 128], 0, 'YBR_FULL'));
    assertClose(out.values, [...rgbOf(81, 90, 240), 128 / 255, 128 / 255, 128 / 255]);
  });

  it('YBR_FULL planar configuration 1', () => {
    const out = read(rgb8([81, 128, 90, 128, 240, 128], 1, 'YBR_FULL'));
    assertClose(out.values, [...rgbOf(81, 90, 240), 128 / 255, 128 / 255, 128 / 255]);
  });

  it('YBR_FULL_422: one Cb, Cr pair shared by two pixels', () => {
    // Y0 Y1 Cb Cr for a 2x2 image: two pixel pairs.
    const bytes = makeDicom({
      rows: 2,
      columns: 2,
      pixels: [100, 200, 128, 128, 50, 60, 90, 240],
      bitsAllocated: 8,
      samplesPerPixel: 3,
      photometric: 'YBR_FULL_422',
    });
    assertClose(read(bytes).values, [
      ...[100, 100, 100].map((v) => v / 255),
      ...[200, 200, 200].map((v) => v / 255),
      ...rgbOf(50, 90, 240),
      ...rgbOf(60, 90, 240),
    ]);
  });
});
