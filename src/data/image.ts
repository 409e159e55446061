/**
 * Image files to float32 arrays and back, through sharp (libvips).
 *
 * An `Image` is HWC float32 with values in [-1, 1]: a sample v of a file with
 * B bits maps to v / ((2^B - 1) / 2) - 1, so 0 → -1 and 2^B - 1 → 1.
 *
 * Formats: PNG (1- to 16-bit, palette), JPEG (EXIF orientation applied, CMYK
 * converted to sRGB by sharp's colour management), WebP, TIFF, GIF (first
 * frame), BMP (our own reader, see bmp.ts) and DICOM (recognised by content,
 * decoded by `./dicom`, frame 0 only).
 *
 * Channels, converted to `inputNc` by one rule:
 *   - alpha is composited on WHITE: out = a·c + (1 - a)·max, with a = alpha / max.
 *     A transparent pixel becomes white, as on a page, not black.
 *   - RGB → grey: ITU-R 601 luma, (299 R + 587 G + 114 B) / 1000 on the stored
 *     values, as PIL's `convert('L')` in the reference release (not rounded).
 *   - grey → RGB: the grey value replicated in all three channels.
 *   - palette images are expanded by the decoder to RGB(A) first.
 *   - more than 4 channels: a `ChannelsError`.
 *
 * Depth: 16-bit files stay 16-bit through sharp (the 'grey16' and 'rgb16'
 * colourspaces, raw ushort output) and are only rounded when scaled to
 * float32. DICOM frames enter sharp as 16-bit raw samples. Sample formats
 * other than 8 and 16 bits (float TIFF, 32-bit integers) are refused.
 */
import * as fsp from 'node:fs/promises';
import sharp from 'sharp';
import { writeFileAtomic } from '../util/atomic';
import { BadImageError, UserError } from '../util/errors';
import { decodeBmp, isBmp } from './bmp';
import { DicomReadOptions, isDicom, readDicom } from './dicom';

/** A decoded image: HWC float32, values in [-1, 1]. */
export interface Image {
  data: Float32Array;
  height: number;
  width: number;
  channels: 1 | 3;
}

/** A file whose channel count our rule cannot map to `inputNc`. */
export class ChannelsError extends UserError {
  constructor(
    readonly path: string,
    readonly channels: number,
    readonly inputNc: 1 | 3,
  ) {
    super(
      `${path}: ${channels} channels cannot be converted to --input-nc ${inputNc} ` +
        '(expected 1 to 4: grey, grey+alpha, RGB, RGBA or CMYK)',
    );
    this.name = 'ChannelsError';
  }
}

/**
 * An opened image file: its size after EXIF orientation, its sample depth,
 * and a way to start a sharp pipeline that yields it oriented, with alpha
 * already composited on white (so 1, 3 or, for CMYK, 4 colour channels).
 */
export interface ImageSource {
  path: string;
  width: number;
  height: number;
  bits: 8 | 16;
  pipeline(): sharp.Sharp;
}

const WHITE = { r: 255, g: 255, b: 255 };
/** Fail on corrupt or truncated data, but not on a decoder's harmless warnings. */
const SHARP_INPUT: sharp.SharpOptions = { failOn: 'error' };

/** Decodes an image file to `inputNc` channels in [-1, 1], at its own size. */
export async function decodeImage(
  path: string,
  inputNc: 1 | 3,
  opts: { dicom?: DicomReadOptions } = {},
): Promise<Image> {
  const source = await openImage(path, inputNc, opts.dicom);
  return readPixels(source, source.pipeline(), inputNc);
}

/**
 * Writes an image in [-1, 1] as an 8- or 16-bit grey or RGB PNG. Values
 * outside [-1, 1] are clipped. The file appears atomically (temporary name,
 * then rename), so a reader never sees half a PNG.
 */
export async function encodePng(image: Image, path: string, bits: 8 | 16 = 8): Promise<void> {
  const { width, height, channels, data } = image;
  if (data.length !== width * height * channels) {
    throw new Error(
      `encodePng: data holds ${data.length} values, expected ${height}x${width}x${channels}`,
    );
  }
  const max = bits === 16 ? 65535 : 255;
  const samples = bits === 16 ? new Uint16Array(data.length) : new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Math.round((data[i] + 1) * (max / 2));
    samples[i] = v > max ? max : v > 0 ? v : 0; // NaN → 0
  }
  const space = colourspace(channels, bits);
  const png = await sharp(samples, { raw: { width, height, channels } })
    .toColourspace(space)
    .png()
    .toBuffer();
  await writeFileAtomic(path, png);
}

/**
 * Reads and identifies an image file. Bad files throw `BadImageError` with
 * the path; channel counts beyond our rule throw `ChannelsError`.
 */
export async function openImage(
  path: string,
  inputNc: 1 | 3,
  dicom?: DicomReadOptions,
): Promise<ImageSource> {
  const bytes = await readBytes(path);
  if (isDicom(bytes)) return dicomSource(bytes, path, dicom ?? {});
  if (isBmp(bytes)) return bmpSource(bytes, path);

  // Header first: size, depth and channels decide the pipeline
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, SHARP_INPUT).metadata();
  } catch (err) {
    throw sharpError(path, err);
  }
  const bits = meta.depth === 'uchar' ? 8 : meta.depth === 'ushort' ? 16 : undefined;
  if (bits === undefined) {
    throw new BadImageError(
      path,
      `unsupported sample format '${meta.depth}' (expected 8- or 16-bit samples)`,
    );
  }
  const channels = meta.channels ?? 0;
  const colour = channels - (meta.hasAlpha ? 1 : 0);
  if (!(colour === 1 || colour === 3 || (colour === 4 && meta.space === 'cmyk'))) {
    throw new ChannelsError(path, channels, inputNc);
  }
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) throw new BadImageError(path, 'image has no size');

  // sharp's 16-bit flatten scales a white background to 65280, not 65535, so
  // 16-bit alpha is composited here, on the decoded samples
  if (bits === 16 && meta.hasAlpha) {
    const raw = await runPipeline(
      path,
      sharp(bytes, SHARP_INPUT)
        .autoOrient()
        .toColourspace(colour === 1 ? 'grey16' : 'rgb16')
        .raw({ depth: 'ushort' }),
    );
    const samples = flattenOnWhite(asUint16(raw.data), raw.info.channels, 65535);
    const c = raw.info.channels - 1;
    return rawSource(path, samples, raw.info.width, raw.info.height, c, 16);
  }
  return {
    path,
    width,
    height,
    bits,
    pipeline: () => {
      const p = sharp(bytes, SHARP_INPUT).autoOrient();
      return meta.hasAlpha ? p.flatten({ background: WHITE }) : p;
    },
  };
}

/**
 * Runs `pipeline` (which must start from `source.pipeline()`) to `inputNc`
 * channels at the source's depth and scales the samples to [-1, 1].
 * With `flip`, columns are mirrored while scaling (a horizontal flip for free).
 */
export async function readPixels(
  source: ImageSource,
  pipeline: sharp.Sharp,
  inputNc: 1 | 3,
  flip = false,
): Promise<Image> {
  const { bits } = source;
  // Always decoded as RGB: grey comes from our own luma below, not sharp's.
  const { data, info } = await runPipeline(
    source.path,
    pipeline.toColourspace(colourspace(3, bits)).raw({ depth: bits === 16 ? 'ushort' : 'uchar' }),
  );
  const { width, height, channels } = info;
  const bytesPerSample = data.length / (width * height * channels);
  if (channels !== 3 || bytesPerSample !== bits / 8) {
    throw new Error(
      `${source.path}: sharp returned ${channels} channels of ${bytesPerSample * 8} bits, ` +
        `expected 3 of ${bits}`,
    );
  }
  const rgb = bits === 16 ? asUint16(data) : data;
  const samples = inputNc === 1 ? luma(rgb) : rgb;
  return {
    data: scaleToUnit(samples, width, height, inputNc, bits, flip),
    width,
    height,
    channels: inputNc,
  };
}

/** HWC integer samples → float32 in [-1, 1], columns mirrored when `flip`. */
/** ITU-R 601 luma of interleaved RGB samples; exact for grey (R = G = B). */
function luma(rgb: Uint8Array | Uint16Array): Float32Array {
  const out = new Float32Array(rgb.length / 3);
  for (let i = 0; i < out.length; i++) {
    out[i] = (299 * rgb[3 * i] + 587 * rgb[3 * i + 1] + 114 * rgb[3 * i + 2]) / 1000;
  }
  return out;
}

function scaleToUnit(
  samples: Uint8Array | Uint16Array | Float32Array,
  width: number,
  height: number,
  channels: number,
  bits: 8 | 16,
  flip: boolean,
): Float32Array {
  const half = bits === 16 ? 32767.5 : 127.5;
  const out = new Float32Array(samples.length);
  const rowLength = width * channels;
  for (let y = 0; y < height; y++) {
    const row = y * rowLength;
    for (let x = 0; x < width; x++) {
      const src = row + (flip ? width - 1 - x : x) * channels;
      const dst = row + x * channels;
      for (let c = 0; c < channels; c++) out[dst + c] = samples[src + c] / half - 1;
    }
  }
  return out;
}

async function readBytes(path: string): Promise<Uint8Array> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    const reason =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a folder'
            : `cannot read file (${code})`;
    throw new BadImageError(path, reason);
  }
  if (bytes.length === 0) throw new BadImageError(path, 'empty file');
  return bytes;
}

function dicomSource(bytes: Uint8Array, path: string, opts: DicomReadOptions): ImageSource {
  const image = readDicom(bytes, path, { ...opts, frames: 'first' });
  const frame = image.frames[0];
  if (!frame) throw new BadImageError(path, 'DICOM file has no frames');
  const samples = new Uint16Array(frame.length);
  for (let i = 0; i < frame.length; i++) {
    const v = frame[i];
    samples[i] = v >= 1 ? 65535 : v > 0 ? Math.round(v * 65535) : 0; // NaN → 0
  }
  return rawSource(path, samples, image.width, image.height, image.channels, 16);
}

function bmpSource(bytes: Uint8Array, path: string): ImageSource {
  const bmp = decodeBmp(bytes, path);
  const data = bmp.channels === 4 ? flattenOnWhite(bmp.data, 4, 255) : bmp.data;
  return rawSource(path, data, bmp.width, bmp.height, 3, 8);
}

/** A source over decoded samples without alpha (sharp reads 16-bit raw input as grey16/rgb16). */
function rawSource(
  path: string,
  samples: Uint8Array | Uint16Array,
  width: number,
  height: number,
  channels: number,
  bits: 8 | 16,
): ImageSource {
  if (channels !== 1 && channels !== 3)
    throw new Error(`${path}: raw source of ${channels} channels`);
  return {
    path,
    width,
    height,
    bits,
    pipeline: () => sharp(samples, { raw: { width, height, channels } }),
  };
}

/** Composites interleaved samples with a trailing alpha channel on white; drops the alpha. */
function flattenOnWhite<T extends Uint8Array | Uint16Array>(
  samples: T,
  channels: number,
  max: number,
): T {
  const colour = channels - 1;
  const pixels = samples.length / channels;
  const out = (
    samples instanceof Uint16Array
      ? new Uint16Array(pixels * colour)
      : new Uint8Array(pixels * colour)
  ) as T;
  for (let p = 0; p < pixels; p++) {
    const a = samples[p * channels + colour] / max;
    for (let c = 0; c < colour; c++) {
      out[p * colour + c] = Math.round(samples[p * channels + c] * a + max * (1 - a));
    }
  }
  return out;
}

async function runPipeline(
  path: string,
  pipeline: sharp.Sharp,
): Promise<{ data: Buffer; info: sharp.OutputInfo }> {
  try {
    return await pipeline.toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw sharpError(path, err);
  }
}

/** Turns a libvips decode failure into a `BadImageError`; anything else is our bug. */
function sharpError(path: string, err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  if (/bad extract area|^Expected /.test(message)) return err as Error;
  const reason = /unsupported image format/.test(message)
    ? 'not an image (unrecognised format)'
    : /Input buffer is empty/.test(message)
      ? 'empty file'
      : 'corrupt or truncated image data';
  const bad = new BadImageError(path, reason);
  bad.cause = err;
  return bad;
}

function colourspace(channels: 1 | 3, bits: 8 | 16): keyof sharp.ColourspaceEnum {
  if (bits === 16) return channels === 1 ? 'grey16' : 'rgb16';
  return channels === 1 ? 'b-w' : 'srgb';
}

/** A Buffer of native-endian 16-bit samples as a Uint16Array (copied when misaligned). */
function asUint16(data: Buffer): Uint16Array {
  if (data.byteOffset % 2 === 0)
    return new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
  return new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
}
