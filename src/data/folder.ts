/**
 * Finding the images of a data set folder, as the reference's make_dataset:
 * recursive, sorted, cut to --max-dataset-size.
 *
 * An image is a file with one of IMAGE_EXTENSIONS (any case), a `.dcm` or
 * `.dicom` file, or a file with any other name whose first bytes are DICOM
 * (scanners often write DICOM without an extension). Hidden files and folders
 * (name starting with '.') are skipped: they are editor, OS and temporary
 * files, such as macOS's `._name.png` companions, which are not images.
 *
 * Order: folders by path, files by name within a folder (as Python's
 * `sorted(os.walk(dir))`), comparing strings by code unit.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../util/errors';
import { isDicom } from './dicom';

export const IMAGE_EXTENSIONS: readonly string[] = [
  '.png',
  '.jpg',
  '.jpeg',
  '.webp',
  '.tif',
  '.tiff',
  '.bmp',
  '.gif',
];
const DICOM_EXTENSIONS: readonly string[] = ['.dcm', '.dicom'];
/** Bytes read from an unknown file to tell DICOM by content. */
const SNIFF_BYTES = 4096;
const EXPECTED = 'expected PNG, JPEG, WebP, TIFF, BMP, GIF or DICOM files';

/**
 * The image files under `dir`, sorted, at most `maxDatasetSize` of them.
 * A missing, non-folder or image-less `dir` is a `UserError` that names
 * `option` (the command-line option that chose the folder).
 */
export function listImages(
  dir: string,
  maxDatasetSize = Infinity,
  option = '--dataroot',
): string[] {
  if (!(maxDatasetSize === Infinity || (Number.isInteger(maxDatasetSize) && maxDatasetSize > 0))) {
    throw new UserError(
      `--max-dataset-size: expected a positive integer, received ${maxDatasetSize}`,
    );
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new UserError(`Folder ${dir} does not exist. Check ${option}.`);
  }
  if (!stat.isDirectory()) throw new UserError(`${dir} is not a folder. Check ${option}.`);

  const folders: { dir: string; files: string[] }[] = [];
  walk(dir, folders, new Set());
  folders.sort((a, b) => compare(a.dir, b.dir));
  const images = folders.flatMap((f) =>
    f.files.sort(compare).map((name) => path.join(f.dir, name)),
  );
  if (images.length === 0)
    throw new UserError(`No images in ${dir} (${EXPECTED}). Check ${option}.`);
  return images.slice(0, maxDatasetSize);
}

/** True when `file` counts as an image by its name, or by its content for unknown names. */
export function isImageFile(file: string): boolean {
  const ext = path.extname(file).toLowerCase();
  if (IMAGE_EXTENSIONS.includes(ext) || DICOM_EXTENSIONS.includes(ext)) return true;
  return sniffDicom(file);
}

function walk(dir: string, out: { dir: string; files: string[] }[], seen: Set<string>): void {
  // Symbolic links are followed, each real folder visited once (no cycles)
  const real = fs.realpathSync(dir);
  if (seen.has(real)) return;
  seen.add(real);
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = fs.statSync(full, { throwIfNoEntry: false });
      isDir = target?.isDirectory() ?? false;
      isFile = target?.isFile() ?? false;
    }
    if (isDir) walk(full, out, seen);
    else if (isFile && isImageFile(full)) files.push(entry.name);
  }
  out.push({ dir, files });
}

function sniffDicom(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = new Uint8Array(SNIFF_BYTES);
    const n = fs.readSync(fd, head, 0, SNIFF_BYTES, 0);
    return isDicom(head.subarray(0, n));
  } catch {
    return false; // unreadable: not listed, as any other non-image
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
