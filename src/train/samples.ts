/**
 * Sample grids: a PNG of rows of images, for example
 *   realA | fakeB | recA
 *   realB | fakeA | recB
 * with a 2-pixel white gap between cells. Tiny images are enlarged by an
 * integer factor with nearest-neighbour sampling, so 32x32 pixels stay crisp.
 */
import * as path from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../util/atomic';

/** One image, height x width x channels (HWC, row-major), values in [-1, 1]. */
export interface SampleImage {
  data: Float32Array;
  height: number;
  width: number;
  channels: 1 | 3;
}

const GAP = 2;
const BACKGROUND = 255;
/** Auto scale enlarges images until their longer side reaches at least this. */
const TARGET_SIDE = 128;

/** `<runDir>/samples/epoch_<EEE>_iter_<IIIIIII>.png`: names sort in training order. */
export function samplePath(runDir: string, epoch: number, iteration: number): string {
  const e = String(epoch).padStart(3, '0');
  const i = String(iteration).padStart(7, '0');
  return path.join(runDir, 'samples', `epoch_${e}_iter_${i}.png`);
}

/**
 * The default enlargement: the largest integer factor that keeps the longer
 * side at or below 128 pixels (32 -> 4, 64 -> 2, 256 -> 1).
 */
export function autoScale(rows: SampleImage[][]): number {
  const side = Math.max(...rows.flat().map((im) => Math.max(im.height, im.width)));
  return Math.max(1, Math.floor(TARGET_SIDE / side));
}

/**
 * Writes the grid as a PNG at `file`, atomically. Column widths and row
 * heights are those of the largest image in them; smaller images sit top-left.
 * The PNG is grey when every image is, RGB otherwise. Values map -1 -> 0,
 * 1 -> 255 (clamped; NaN -> 0).
 */
export async function writeSampleGrid(
  file: string,
  rows: SampleImage[][],
  scale?: number,
): Promise<void> {
  const { pixels, width, height, channels } = composeGrid(rows, scale);
  const png = await sharp(pixels, { raw: { width, height, channels } }).png().toBuffer();
  await writeFileAtomic(file, png);
}

/** The grid as raw 8-bit pixels (HWC), before PNG encoding. */
export function composeGrid(
  rows: SampleImage[][],
  scale?: number,
): { pixels: Uint8Array; width: number; height: number; channels: 1 | 3 } {
  // Validate every image at the edge, naming its cell.
  if (rows.length === 0 || rows.some((r) => r.length === 0)) {
    throw new Error('sample grid needs at least one image in every row');
  }
  rows.forEach((row, r) =>
    row.forEach((im, c) => {
      const ok = [im.height, im.width].every((d) => Number.isInteger(d) && d > 0);
      if (!ok || (im.channels !== 1 && im.channels !== 3)) {
        throw new Error(
          `sample grid cell [${r}][${c}]: expected positive integer height and width and ` +
            `1 or 3 channels, got ${im.height}x${im.width}x${im.channels}`,
        );
      }
      if (im.data.length !== im.height * im.width * im.channels) {
        throw new Error(
          `sample grid cell [${r}][${c}]: ${im.height}x${im.width}x${im.channels} needs ` +
            `${im.height * im.width * im.channels} values, got ${im.data.length}`,
        );
      }
    }),
  );
  const s = scale ?? autoScale(rows);
  if (!Number.isInteger(s) || s < 1) {
    throw new Error(`sample grid scale must be a positive integer, got ${s}`);
  }

  // Layout: rows as tall as their tallest image, columns as wide as their widest.
  const nCols = Math.max(...rows.map((r) => r.length));
  const rowH = rows.map((r) => s * Math.max(...r.map((im) => im.height)));
  const colW = Array.from(
    { length: nCols },
    (_, c) => s * Math.max(0, ...rows.map((r) => (c < r.length ? r[c].width : 0))),
  );
  const width = colW.reduce((a, b) => a + b, 0) + GAP * (nCols - 1);
  const height = rowH.reduce((a, b) => a + b, 0) + GAP * (rows.length - 1);
  const channels: 1 | 3 = rows.flat().some((im) => im.channels === 3) ? 3 : 1;

  // Paint each image, enlarged s times by repeating pixels.
  const pixels = new Uint8Array(width * height * channels).fill(BACKGROUND);
  let y0 = 0;
  rows.forEach((row, r) => {
    let x0 = 0;
    row.forEach((im, c) => {
      for (let y = 0; y < im.height * s; y++) {
        const srcRow = Math.floor(y / s) * im.width;
        for (let x = 0; x < im.width * s; x++) {
          const src = (srcRow + Math.floor(x / s)) * im.channels;
          const dst = ((y0 + y) * width + x0 + x) * channels;
          for (let ch = 0; ch < channels; ch++) {
            pixels[dst + ch] = toByte(im.data[src + (im.channels === 1 ? 0 : ch)]);
          }
        }
      }
      x0 += colW[c] + GAP;
    });
    y0 += rowH[r] + GAP;
  });
  return { pixels, width, height, channels };
}

/** [-1, 1] -> 0..255, rounded and clamped; NaN -> 0. */
function toByte(v: number): number {
  const b = Math.round((v + 1) * 127.5);
  return b > 255 ? 255 : b >= 0 ? b : 0;
}
