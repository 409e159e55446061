/**
 * The input side of the folder commands (preview, translate, augment): which files, what
 * each output is called, and how a file opens into one image source per frame.
 *
 * Names: an output is named after its source's path relative to the input root, with a
 * known image extension (.png, .dcm, ...) replaced, and any other name kept whole, since
 * DICOM files are often named by UID (`1.2.840.1.7` → `1.2.840.1.7.png`, `a/b.dcm` →
 * `a/b.png`). When two sources of the listing would get the same name (`b.dcm` and
 * `b.png`), each of them keeps its extension instead (`b.dcm.png`, `b.png.png`).
 * Frames of a multi-frame DICOM file read with `--frames all` get `-frame<k>` (1-based,
 * zero-padded) after the name.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import sharp from 'sharp';
import { DicomMeta, DicomReadOptions, isDicom, readDicom } from '../data/dicom';
import { IMAGE_EXTENSIONS, listImages } from '../data/folder';
import { ImageSource, openImage } from '../data/image';
import { BadImageError, UserError } from '../util/errors';

export interface InputFile {
  /** The path as given or found (input root joined with `rel`). */
  path: string;
  /** Relative to the input root, '/'-separated: the same on every machine and shard. */
  rel: string;
}

export interface InputListing {
  /** The folder `rel` paths are relative to (the input itself, or a lone file's folder). */
  root: string;
  files: InputFile[];
}

const KNOWN_EXTENSIONS = new Set([...IMAGE_EXTENSIONS, '.dcm', '.dicom']);

/** The images of `input` (a file or a folder, walked recursively and sorted). */
export function listInputs(input: string, option = '--input', max = Infinity): InputListing {
  const stat = fs.statSync(input, { throwIfNoEntry: false });
  if (!stat) throw new UserError(`${option} ${input} does not exist.`);
  if (!stat.isDirectory()) {
    return { root: path.dirname(input), files: [{ path: input, rel: path.basename(input) }] };
  }
  const files = listImages(input, max, option).map((file) => ({
    path: file,
    rel: path.relative(input, file).split(path.sep).join('/'),
  }));
  return { root: input, files };
}

/** Refuses an output folder inside the input folder: a second run would read its own outputs. */
export function checkOutputOutside(input: string, output: string): void {
  if (!fs.statSync(input, { throwIfNoEntry: false })?.isDirectory()) return;
  const rel = path.relative(path.resolve(input), path.resolve(output));
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
    throw new UserError(
      `--output ${output} is inside --input ${input}.`,
      'Write outputs to a folder outside the input folder, or they would be read as inputs.',
    );
  }
}

/** Output name stems (relative, '/'-separated, no extension) for every source, by `rel`. */
export function outputStems(files: readonly InputFile[]): Map<string, string> {
  const stemOf = (rel: string) => {
    const ext = path.posix.extname(rel);
    return KNOWN_EXTENSIONS.has(ext.toLowerCase()) ? rel.slice(0, -ext.length) : rel;
  };
  const count = new Map<string, number>();
  for (const f of files) {
    const key = stemOf(f.rel).toLowerCase(); // case-insensitive file systems
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  return new Map(
    files.map((f) => {
      const stem = stemOf(f.rel);
      return [f.rel, count.get(stem.toLowerCase())! > 1 ? f.rel : stem];
    }),
  );
}

/** `stem` for a lone frame; `stem-frame007` for frame 7 of 120 read with `--frames all`. */
export function frameStem(stem: string, frame: number, frames: number): string {
  if (frames <= 1) return stem;
  return `${stem}-frame${String(frame).padStart(String(frames).length, '0')}`;
}

/** An opened input: one source per frame read, and what DICOM output needs. */
export interface OpenedInput {
  sources: ImageSource[];
  /** Sample depth of the file: 16 for DICOM and 16-bit PNG/TIFF, else 8. */
  bits: 8 | 16;
  /** The DICOM file's attributes, for a derived DICOM output. */
  meta?: DicomMeta;
}

/**
 * Opens an image file. DICOM files are read through `dicom` (window, and every frame with
 * `frames: 'all'`); each frame becomes a 16-bit source exactly as the training data loader
 * makes it, so a frame gives the model the same pixels here as in training.
 * Throws `BadImageError` (or `ChannelsError`) naming the file.
 */
export async function openInput(
  file: string,
  inputNc: 1 | 3,
  dicom: DicomReadOptions,
): Promise<OpenedInput> {
  let bytes: Buffer | undefined;
  try {
    bytes = await fsp.readFile(file);
  } catch {
    // openImage below reports why the file cannot be read, in the loader's words
  }
  if (bytes && bytes.length > 0 && isDicom(bytes)) {
    const image = readDicom(bytes, file, dicom);
    if (image.frames.length === 0) throw new BadImageError(file, 'DICOM file has no frames');
    const sources = image.frames.map((frame) =>
      frameSource(file, frame, image.width, image.height, image.channels),
    );
    return { sources, bits: 16, meta: image.meta };
  }
  const source = await openImage(file, inputNc);
  return { sources: [source], bits: source.bits };
}

/** A decoded DICOM frame (values in [0, 1]) as a 16-bit source, as the data loader does. */
function frameSource(
  path: string,
  frame: Float32Array,
  width: number,
  height: number,
  channels: 1 | 3,
): ImageSource {
  const samples = new Uint16Array(frame.length);
  for (let i = 0; i < frame.length; i++) {
    const v = frame[i];
    samples[i] = v >= 1 ? 65535 : v > 0 ? Math.round(v * 65535) : 0; // NaN → 0
  }
  return {
    path,
    width,
    height,
    bits: 16,
    pipeline: () => sharp(samples, { raw: { width, height, channels } }),
  };
}
