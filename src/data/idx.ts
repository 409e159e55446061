/**
 * IDX files, the array format of MNIST and Fashion-MNIST (plain or gzipped):
 *
 *   bytes 0-1  zero
 *   byte  2    element type: 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32,
 *              0x0d float32, 0x0e float64
 *   byte  3    number of dimensions
 *   then one big-endian uint32 per dimension, then the elements, big-endian,
 *   row-major.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../util/errors';

export type IdxData =
  Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dims: number[];
  data: IdxData;
}

/** Fashion-MNIST's class names, by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

const TYPES: Record<number, { size: number; name: string }> = {
  0x08: { size: 1, name: 'uint8' },
  0x09: { size: 1, name: 'int8' },
  0x0b: { size: 2, name: 'int16' },
  0x0c: { size: 4, name: 'int32' },
  0x0d: { size: 4, name: 'float32' },
  0x0e: { size: 8, name: 'float64' },
};

/** Parses IDX bytes (gunzipping them first when they are gzip); `source` names them in errors. */
export function parseIdx(bytes: Uint8Array, source: string, rank?: number): IdxArray {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      throw new UserError(`${source}: corrupt gzip data`);
    }
  }
  const type = TYPES[bytes[2]];
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || !type) {
    throw new UserError(`${source}: not an IDX file (expected 00 00 <type> <rank> at the start)`);
  }
  const ndims = bytes[3];
  if (rank !== undefined && ndims !== rank) {
    throw new UserError(`${source}: expected an IDX array of rank ${rank}, received rank ${ndims}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = 4 + 4 * ndims;
  if (bytes.length < header) throw new UserError(`${source}: truncated IDX header`);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length < header + count * type.size) {
    throw new UserError(
      `${source}: truncated IDX data (${dims.join('x')} ${type.name} needs ` +
        `${header + count * type.size} bytes, file has ${bytes.length})`,
    );
  }
  return { dims, data: readElements(view, header, count, bytes[2]) };
}

/** Reads an IDX file (plain or gzipped). */
export function readIdx(file: string, rank?: number): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: cannot read (${code === 'ENOENT' ? 'file not found' : code})`);
  }
  return parseIdx(bytes, file, rank);
}

/**
 * One split of Fashion-MNIST (or MNIST) from a folder holding the standard
 * file names: `<split>-images-idx3-ubyte[.gz]` and `<split>-labels-idx1-ubyte[.gz]`.
 * `images` is N×H×W uint8 (0 = background), `labels` N uint8.
 */
export function readFashionMnist(
  dir: string,
  split: 'train' | 't10k',
): { images: Uint8Array; labels: Uint8Array; count: number; height: number; width: number } {
  const find = (name: string): string => {
    const gz = path.join(dir, `${name}.gz`);
    return fs.existsSync(gz) ? gz : path.join(dir, name);
  };
  const imageFile = find(`${split}-images-idx3-ubyte`);
  const labelFile = find(`${split}-labels-idx1-ubyte`);
  const images = readIdx(imageFile, 3);
  const labels = readIdx(labelFile, 1);
  if (!(images.data instanceof Uint8Array) || !(labels.data instanceof Uint8Array)) {
    throw new UserError(`${dir}: expected uint8 IDX images and labels`);
  }
  const [count, height, width] = images.dims;
  if (labels.dims[0] !== count) {
    throw new UserError(
      `${labelFile}: ${labels.dims[0]} labels for the ${count} images of ${imageFile}`,
    );
  }
  return { images: images.data, labels: labels.data, count, height, width };
}

function readElements(view: DataView, at: number, count: number, type: number): IdxData {
  switch (type) {
    case 0x08:
      return new Uint8Array(view.buffer.slice(view.byteOffset + at, view.byteOffset + at + count));
    case 0x09:
      return new Int8Array(view.buffer.slice(view.byteOffset + at, view.byteOffset + at + count));
    case 0x0b:
      return Int16Array.from({ length: count }, (_, i) => view.getInt16(at + 2 * i, false));
    case 0x0c:
      return Int32Array.from({ length: count }, (_, i) => view.getInt32(at + 4 * i, false));
    case 0x0d:
      return Float32Array.from({ length: count }, (_, i) => view.getFloat32(at + 4 * i, false));
    default:
      return Float64Array.from({ length: count }, (_, i) => view.getFloat64(at + 8 * i, false));
  }
}
