/**
 * Colour frames to RGB in [0, 1]: YBR_FULL by the equations of PS3.3 C.7.6.3.1.2, with
 * YBR_FULL_422's shared chroma (one Cb, Cr pair per two pixels of a row) repeated first.
 */

import type { DicomMeta } from './types';

function unit(value: number, max: number): number {
  return Math.min(1, Math.max(0, value / max));
}

/** Expands Y0 Y1 Cb Cr per pixel pair into Y Cb Cr per pixel. */
function expand422(values: Float64Array, pixels: number): Float64Array {
  const out = new Float64Array(pixels * 3);
  for (let p = 0, i = 0; p < pixels; p += 2, i += 4) {
    const cb = values[i + 2];
    const cr = values[i + 3];
    out[3 * p] = values[i];
    out[3 * p + 1] = cb;
    out[3 * p + 2] = cr;
    out[3 * p + 3] = values[i + 1];
    out[3 * p + 4] = cb;
    out[3 * p + 5] = cr;
  }
  return out;
}

/**
 * RGB in [0, 1], HWC, from interleaved stored values. `rgb`: the codec converted the colour
 * space (JPEG, JPEG 2000), whatever PhotometricInterpretation says. `subsampled`: native
 * YBR_FULL_422 samples (Y0 Y1 Cb Cr per pixel pair); decoded code streams are never so.
 */
export function colorToUnit(
  values: Float64Array,
  meta: DicomMeta,
  layout: { rgb: boolean; subsampled: boolean },
): Float32Array {
  const pixels = meta.rows * meta.columns;
  const max = 2 ** meta.bitsStored - 1;
  const out = new Float32Array(pixels * 3);
  const photometric = layout.rgb ? 'RGB' : meta.photometric;

  if (photometric === 'RGB') {
    for (let i = 0; i < out.length; i++) out[i] = unit(values[i], max);
    return out;
  }

  const ybr = layout.subsampled ? expand422(values, pixels) : values;
  const mid = 2 ** (meta.bitsStored - 1);
  for (let p = 0; p < pixels; p++) {
    const y = ybr[3 * p];
    const cb = ybr[3 * p + 1] - mid;
    const cr = ybr[3 * p + 2] - mid;
    out[3 * p] = unit(y + 1.402 * cr, max);
    out[3 * p + 1] = unit(y - 0.344136 * cb - 0.714136 * cr, max);
    out[3 * p + 2] = unit(y + 1.772 * cb, max);
  }
  return out;
}
