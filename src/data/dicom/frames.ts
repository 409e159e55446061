/**
 * Cutting the pixel data element into frames: fixed-size slices of native data, or groups of
 * fragments of encapsulated data (PS3.5 A.4).
 */

import type { DataSet, Fragment } from 'dicom-parser';

import { BadImageError } from '../../util/errors';
import { TAG } from './parse';
import type { DicomMeta } from './types';

/** Bytes of one native frame; YBR_FULL_422 keeps two samples per pixel (PS3.3 C.7.6.3.1.2). */
export function nativeFrameBytes(meta: DicomMeta): number {
  const samples = meta.photometric === 'YBR_FULL_422' ? 2 : meta.samplesPerPixel;
  return Math.ceil((meta.rows * meta.columns * samples * meta.bitsAllocated) / 8);
}

/** The bytes of native frame `index`, as a view into the data set's buffer. */
export function nativeFrame(ds: DataSet, meta: DicomMeta, index: number, path: string): Uint8Array {
  const el = ds.elements[TAG.pixelData];
  const size = nativeFrameBytes(meta);
  const needed = size * meta.numberOfFrames;
  if (el.length === 0xffffffff || el.fragments) {
    throw new BadImageError(
      path,
      `pixel data is encapsulated but transfer syntax ${meta.transferSyntaxUid} is native`,
    );
  }
  const available = Math.min(el.length, ds.byteArray.length - el.dataOffset);
  if (available < needed) {
    throw new BadImageError(
      path,
      `truncated pixel data: ${available} bytes where ${meta.numberOfFrames} frame(s) of ` +
        `${meta.rows}x${meta.columns}x${meta.samplesPerPixel} at ${meta.bitsAllocated} bits ` +
        `need ${needed}`,
    );
  }
  const start = ds.byteArray.byteOffset + el.dataOffset + index * size;
  return new Uint8Array(ds.byteArray.buffer, start, size);
}

/** True when a fragment starts a JPEG, JPEG-LS or JPEG 2000 code stream. */
function startsCodeStream(bytes: Uint8Array, f: Fragment): boolean {
  const b0 = bytes[f.position];
  const b1 = bytes[f.position + 1];
  return b0 === 0xff && (b1 === 0xd8 || b1 === 0x4f);
}

function concat(bytes: Uint8Array, fragments: Fragment[]): Uint8Array {
  if (fragments.length === 1) {
    const f = fragments[0];
    return bytes.subarray(f.position, f.position + f.length);
  }
  const out = new Uint8Array(fragments.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of fragments) {
    out.set(bytes.subarray(f.position, f.position + f.length), at);
    at += f.length;
  }
  return out;
}

/**
 * The fragments of each frame: by the basic offset table when there is one, else one fragment
 * per frame when the counts match, else by where code streams start.
 */
function groupFragments(
  bytes: Uint8Array,
  fragments: Fragment[],
  offsets: number[],
  frames: number,
): Fragment[][] | undefined {
  if (frames === 1) return [fragments];
  if (offsets.length === frames) {
    return offsets.map((start, i) => {
      const end = i + 1 < offsets.length ? offsets[i + 1] : Infinity;
      return fragments.filter((f) => f.offset >= start && f.offset < end);
    });
  }
  if (fragments.length === frames) return fragments.map((f) => [f]);
  const groups: Fragment[][] = [];
  for (const f of fragments) {
    if (groups.length === 0 || startsCodeStream(bytes, f)) groups.push([f]);
    else groups[groups.length - 1].push(f);
  }
  return groups.length === frames ? groups : undefined;
}

/** The compressed bytes of encapsulated frame `index` (a view when it is one fragment). */
export function encapsulatedFrame(
  ds: DataSet,
  meta: DicomMeta,
  index: number,
  path: string,
): Uint8Array {
  const el = ds.elements[TAG.pixelData];
  const fragments = el.fragments;
  if (!fragments || fragments.length === 0) {
    throw new BadImageError(
      path,
      `pixel data is not encapsulated, as transfer syntax ${meta.transferSyntaxUid} requires`,
    );
  }
  for (const f of fragments) {
    if (f.position + f.length > ds.byteArray.length) {
      throw new BadImageError(
        path,
        `truncated pixel data: a fragment of ${f.length} bytes runs past the end of the file`,
      );
    }
  }
  const groups = groupFragments(
    ds.byteArray,
    fragments,
    el.basicOffsetTable ?? [],
    meta.numberOfFrames,
  );
  if (!groups || !groups[index] || groups[index].length === 0) {
    throw new BadImageError(
      path,
      `cannot find frame ${index + 1} of ${meta.numberOfFrames} among ` +
        `${fragments.length} pixel data fragments`,
    );
  }
  return concat(ds.byteArray, groups[index]);
}
