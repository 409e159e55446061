/**
 * The reference CycleGAN's preprocessing (`--preprocess`, `--load-size`,
 * `--crop-size`, `--no-flip`), one image at a time:
 *
 *   resize_and_crop       resize to loadSize × loadSize (aspect not kept), random crop
 *   crop                  random crop at the original size
 *   scale_width           width → loadSize, height scaled with it but never below cropSize
 *   scale_width_and_crop  scale_width, then random crop
 *   none                  each side rounded to a multiple of 4 by resizing (half to even,
 *                         as Python's round; at least 4)
 *   then, unless noFlip, a horizontal flip with probability 0.5.
 *
 * Random draws, in this order from the caller's `Rng`: crop left, crop top,
 * flip. Only the draws a mode needs are made.
 *
 * An image smaller than the crop (after the mode's resize) is scaled up,
 * keeping its aspect, until its short side equals cropSize; it never fails.
 *
 * Resampling is bicubic (a = -0.5, Catmull-Rom) with pixel centres aligned,
 * as PIL's BICUBIC in the reference. Shrinking runs in sharp (antialiased,
 * with everything else in one pipeline per image). Enlarging runs here in
 * TypeScript, because libvips enlarges on a grid shifted by half an output
 * pixel; only the crop window is computed, in float32 at the file's depth.
 */
import { UserError } from '../util/errors';
import { Rng } from '../util/rng';
import { DicomReadOptions } from './dicom';
import { Image, ImageSource, openImage, readPixels } from './image';

export type Preprocess =
  'resize_and_crop' | 'crop' | 'scale_width' | 'scale_width_and_crop' | 'none';

export const PREPROCESS_MODES: readonly Preprocess[] = [
  'resize_and_crop',
  'crop',
  'scale_width',
  'scale_width_and_crop',
  'none',
];

export interface TransformOptions {
  preprocess: Preprocess;
  loadSize: number;
  cropSize: number;
  noFlip: boolean;
  inputNc: 1 | 3;
}

/** What happens to one image: resize to resizeWidth × resizeHeight, cut `crop`, maybe mirror. */
export interface TransformPlan {
  resizeWidth: number;
  resizeHeight: number;
  crop: { left: number; top: number; width: number; height: number };
  flip: boolean;
}

/** Decodes `path` and applies the preprocessing; `rng` supplies crop and flip draws. */
export async function loadTransformed(
  path: string,
  opts: TransformOptions,
  rng: Rng,
  dicom?: DicomReadOptions,
): Promise<Image> {
  checkTransformOptions(opts);
  const source = await openImage(path, opts.inputNc, dicom);
  const plan = planTransform(source.width, source.height, opts, rng);
  return applyPlan(source, plan, opts.inputNc);
}

/** Throws a `UserError` naming the option when `opts` cannot work. */
export function checkTransformOptions(opts: TransformOptions): void {
  if (!PREPROCESS_MODES.includes(opts.preprocess)) {
    throw new UserError(
      `--preprocess: expected one of ${PREPROCESS_MODES.join(', ')}, received '${opts.preprocess}'`,
    );
  }
  for (const [name, value] of [
    ['--load-size', opts.loadSize],
    ['--crop-size', opts.cropSize],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new UserError(`${name}: expected a positive integer, received ${value}`);
    }
  }
  if (opts.inputNc !== 1 && opts.inputNc !== 3) {
    throw new UserError(`--input-nc: expected 1 or 3, received ${opts.inputNc}`);
  }
}

/** The sizes, crop window and flip for an image of width × height. */
export function planTransform(
  width: number,
  height: number,
  opts: TransformOptions,
  rng: Rng,
): TransformPlan {
  const { preprocess, loadSize, cropSize } = opts;

  // The mode's resize
  let w = width;
  let h = height;
  if (preprocess === 'resize_and_crop') {
    w = h = loadSize;
  } else if (preprocess === 'scale_width' || preprocess === 'scale_width_and_crop') {
    if (!(width === loadSize && height >= cropSize)) {
      w = loadSize;
      h = Math.floor(Math.max((loadSize * height) / width, cropSize));
    }
  } else if (preprocess === 'none') {
    w = multipleOf4(width);
    h = multipleOf4(height);
  }

  // The random crop, after enlarging an image that is smaller than it
  let crop = { left: 0, top: 0, width: w, height: h };
  if (preprocess.endsWith('crop')) {
    const short = Math.min(w, h);
    if (short < cropSize) {
      const scale = cropSize / short;
      w = Math.max(cropSize, Math.round(w * scale));
      h = Math.max(cropSize, Math.round(h * scale));
    }
    const left = rng.int(w - cropSize + 1);
    const top = rng.int(h - cropSize + 1);
    crop = { left, top, width: cropSize, height: cropSize };
  }

  const flip = opts.noFlip ? false : rng.random() < 0.5;
  return { resizeWidth: w, resizeHeight: h, crop, flip };
}

/**
 * Runs a plan: sharp shrinks (the axes that get smaller) and crops when
 * nothing grows; otherwise the enlargement and the crop happen here.
 */
export async function applyPlan(
  source: ImageSource,
  plan: TransformPlan,
  inputNc: 1 | 3,
): Promise<Image> {
  const { resizeWidth, resizeHeight, crop, flip } = plan;
  const shrinkWidth = Math.min(resizeWidth, source.width);
  const shrinkHeight = Math.min(resizeHeight, source.height);
  let pipeline = source.pipeline();
  if (shrinkWidth !== source.width || shrinkHeight !== source.height) {
    pipeline = pipeline.resize(shrinkWidth, shrinkHeight, { fit: 'fill', kernel: 'cubic' });
  }
  if (shrinkWidth === resizeWidth && shrinkHeight === resizeHeight) {
    if (crop.width !== resizeWidth || crop.height !== resizeHeight)
      pipeline = pipeline.extract(crop);
    return readPixels(source, pipeline, inputNc, flip);
  }
  const shrunk = await readPixels(source, pipeline, inputNc);
  return enlargeAndCrop(shrunk, resizeWidth, resizeHeight, crop, flip);
}

/**
 * Bicubic enlargement of `image` to outWidth × outHeight (each no smaller
 * than the input), computing only the `crop` window, mirrored when `flip`.
 * Results are clipped to [-1, 1].
 */
export function enlargeAndCrop(
  image: Image,
  outWidth: number,
  outHeight: number,
  crop: TransformPlan['crop'],
  flip: boolean,
): Image {
  const { width, height, channels, data } = image;
  const cols = taps(width, outWidth, crop.left, crop.width);
  const rows = taps(height, outHeight, crop.top, crop.height);

  // Horizontal pass over the input rows the vertical pass reads: height × crop.width
  const wide = new Float32Array(height * crop.width * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < crop.width; x++) {
      const { first, weights } = cols[x];
      const dst = (y * crop.width + x) * channels;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = 0; k < weights.length; k++) {
          sum += weights[k] * data[(y * width + first + k) * channels + c];
        }
        wide[dst + c] = sum;
      }
    }
  }

  // Vertical pass into the crop window, columns mirrored when flipping
  const out = new Float32Array(crop.height * crop.width * channels);
  for (let y = 0; y < crop.height; y++) {
    const { first, weights } = rows[y];
    for (let x = 0; x < crop.width; x++) {
      const src = flip ? crop.width - 1 - x : x;
      const dst = (y * crop.width + x) * channels;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = 0; k < weights.length; k++) {
          sum += weights[k] * wide[((first + k) * crop.width + src) * channels + c];
        }
        out[dst + c] = sum > 1 ? 1 : sum < -1 ? -1 : sum;
      }
    }
  }
  return { data: out, width: crop.width, height: crop.height, channels };
}

/**
 * Input taps and normalised weights for output positions start..start+count-1
 * of an inSize → outSize enlargement. Output pixel o samples the input at
 * u = (o + 0.5)·inSize/outSize - 0.5; taps outside the image are dropped and
 * the rest renormalised, as PIL does.
 */
function taps(
  inSize: number,
  outSize: number,
  start: number,
  count: number,
): { first: number; weights: Float64Array }[] {
  const result = [];
  for (let o = start; o < start + count; o++) {
    const u = ((o + 0.5) * inSize) / outSize - 0.5;
    const first = Math.max(0, Math.floor(u) - 1);
    const last = Math.min(inSize - 1, Math.floor(u) + 2);
    const weights = new Float64Array(last - first + 1);
    let total = 0;
    for (let j = first; j <= last; j++) total += weights[j - first] = cubic(j - u);
    for (let k = 0; k < weights.length; k++) weights[k] /= total;
    result.push({ first, weights });
  }
  return result;
}

/** The bicubic convolution kernel with a = -0.5. */
function cubic(x: number): number {
  const a = -0.5;
  x = Math.abs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

/** Python's round(n / 4) * 4 (half to even), at least 4. */
function multipleOf4(n: number): number {
  const q = n / 4;
  let r = Math.round(q);
  if (r - q === 0.5 && r % 2 !== 0) r -= 1; // JS rounds halves up; Python to even
  return Math.max(4, r * 4);
}
