import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeDicom } from '../data/dicom/helpers';

/**
 * CT-like DICOM test files: 16-bit stored values with RescaleIntercept -1024 (so modality
 * values are Hounsfield-like), PixelSpacing 0.7 mm, no file extension, as scanners write them.
 */
export interface CtSlice {
  /** Modality values (HU), row by row. */
  hu: number[];
  rows: number;
  columns: number;
  /** The file's own window, if any. */
  window?: { center: number; width: number };
  frames?: number;
}

/** A slice whose values ramp from `low` to `high` HU across the image, seeded by `k`. */
export function rampSlice(rows: number, columns: number, k: number, low = -1000, high = 1000) {
  const hu: number[] = [];
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      const t = ((x + y * 3 + k * 7) % (rows + columns)) / (rows + columns - 1);
      hu.push(Math.round(low + t * (high - low)));
    }
  }
  return { hu, rows, columns };
}

export function ctBytes(s: CtSlice): Uint8Array {
  const frames = s.frames ?? 1;
  const pixels: number[] = [];
  for (let f = 0; f < frames; f++) for (const v of s.hu) pixels.push(v + 1024 + f);
  return makeDicom({
    rows: s.rows,
    columns: s.columns,
    pixels,
    bitsStored: 12,
    frames: s.frames,
    extra: {
      Modality: 'CT',
      RescaleIntercept: '-1024',
      RescaleSlope: '1',
      PixelSpacing: ['0.7', '0.7'],
      ...(s.window
        ? { WindowCenter: String(s.window.center), WindowWidth: String(s.window.width) }
        : {}),
    },
  });
}

export function writeCt(file: string, s: CtSlice): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, ctBytes(s));
}
