/**
 * Placeholder for the DICOM reader, so the image data layer compiles and
 * recognises DICOM files before the real reader lands. It detects the 'DICM'
 * magic after the 128-byte preamble and refuses to decode.
 * TODO(dicom): replaced by the real reader (windowing, multi-frame, codecs).
 */
import { BadImageError } from '../../util/errors';

export interface DicomReadOptions {
  /** 'auto' uses the file's window (or the full range); or an explicit centre and width. */
  window?: 'auto' | { center: number; width: number };
  frames?: 'first' | 'all';
}

export interface DicomImage {
  width: number;
  height: number;
  channels: 1 | 3;
  /** One HWC array per frame, values in [0, 1]. */
  frames: Float32Array[];
}

/** True when `bytes` hold a DICOM Part 10 file ('DICM' at byte 128). */
export function isDicom(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 132 &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d
  );
}

export function readDicom(bytes: Uint8Array, path: string, opts: DicomReadOptions): DicomImage {
  void bytes;
  void opts;
  throw new BadImageError(path, 'DICOM decoding is not supported yet');
}
