/**
 * readDicom: bytes to frames in [0, 1]. Parse, check what we can decode, decode the frames
 * asked for, then run the pixel pipeline (stored values, modality LUT, VOI, MONOCHROME1) or
 * the colour conversion.
 */

import { BadImageError } from '../../util/errors';
import { colorToUnit } from './color';
import type { DecodedFrame } from './decoded';
import { encapsulatedFrame, nativeFrame } from './frames';
import { decodeJpeg, readJpegFrameHeader } from './jpeg';
import { decodeJpeg2000 } from './jpeg2000';
import { decodeJpegLs } from './jpegls';
import { parseDicomBytes, readMeta, type ParsedDicom } from './parse';
import { decodeRle } from './rle';
import { storedValues } from './samples';
import { describeSyntax, type TransferSyntax } from './syntax';
import type { DicomImage, DicomMeta, DicomReadOptions } from './types';
import { applyModality, applyVoi, chooseVoi } from './voi';

const GREY = new Set(['MONOCHROME1', 'MONOCHROME2']);
const COLOUR = new Set(['RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_ICT', 'YBR_RCT']);

/** Throws BadImageError for what this reader cannot turn into pixels. */
function checkSupported(meta: DicomMeta, syntax: TransferSyntax, path: string): void {
  if (!syntax.pixels) {
    throw new BadImageError(path, `transfer syntax ${describeSyntax(syntax)} is not supported`);
  }
  const p = meta.photometric;
  const grey = GREY.has(p) && meta.samplesPerPixel === 1;
  const colour = COLOUR.has(p) && meta.samplesPerPixel === 3;
  if (!grey && !colour) {
    throw new BadImageError(
      path,
      `photometric interpretation ${p} with ${meta.samplesPerPixel} sample(s) per pixel ` +
        `is not supported yet`,
    );
  }
  if (![8, 16, 32].includes(meta.bitsAllocated)) {
    throw new BadImageError(path, `BitsAllocated ${meta.bitsAllocated} is not supported yet`);
  }
  if (meta.bitsStored > meta.bitsAllocated || meta.highBit >= meta.bitsAllocated) {
    throw new BadImageError(
      path,
      `inconsistent pixel format: BitsAllocated ${meta.bitsAllocated}, ` +
        `BitsStored ${meta.bitsStored}, HighBit ${meta.highBit}`,
    );
  }
  if (p === 'YBR_FULL_422' && syntax.pixels === 'native' && meta.columns % 2 === 1) {
    throw new BadImageError(
      path,
      `YBR_FULL_422 needs an even number of columns, not ${meta.columns}`,
    );
  }
}

/** Swaps each container's bytes: explicit VR big endian stores OW words high byte first. */
function swapped(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size) {
    for (let k = 0; k < size; k++) out[i + k] = bytes[i + size - 1 - k];
  }
  return out;
}

/** Bytes per sample container; checkSupported has allowed only these. */
function containerBytes(bitsAllocated: number): 1 | 2 | 4 {
  return bitsAllocated === 8 ? 1 : bitsAllocated === 16 ? 2 : 4;
}

function checkHeader(h: NonNullable<DecodedFrame['header']>, meta: DicomMeta): void {
  if (h.width !== meta.columns || h.height !== meta.rows) {
    throw new Error(
      `code stream is ${h.width}x${h.height}, the data set says ${meta.columns}x${meta.rows}`,
    );
  }
  if (h.components !== meta.samplesPerPixel) {
    throw new Error(
      `code stream has ${h.components} component(s), the data set says ${meta.samplesPerPixel}`,
    );
  }
}

function decodeFrame(
  parsed: ParsedDicom,
  meta: DicomMeta,
  index: number,
  path: string,
): DecodedFrame {
  const { dataSet: ds, syntax } = parsed;
  const bytesPerSample = containerBytes(meta.bitsAllocated);

  if (syntax.pixels === 'native') {
    const raw = nativeFrame(ds, meta, index, path);
    const data = syntax.bigEndian && bytesPerSample > 1 ? swapped(raw, bytesPerSample) : raw;
    const planar = meta.planarConfiguration === 1 && meta.samplesPerPixel > 1;
    return { data, bytesPerSample, planar, rgb: false, highBitApplies: true };
  }

  const stream = encapsulatedFrame(ds, meta, index, path);
  try {
    if (syntax.pixels === 'jpeg') {
      const sof = readJpegFrameHeader(stream); // before decoding: decoders fail less clearly
      checkHeader({ width: sof.width, height: sof.height, components: sof.components }, meta);
    }
    const frame = decodeStream(syntax, stream, meta, bytesPerSample);
    if (frame.header) checkHeader(frame.header, meta);
    const available = Math.floor(frame.data.length / frame.bytesPerSample);
    const needed = meta.rows * meta.columns * meta.samplesPerPixel;
    if (available < needed)
      throw new Error(`the decoder returned ${available} of ${needed} samples`);
    return frame;
  } catch (e) {
    if (e instanceof BadImageError) throw e;
    const reason = e instanceof Error ? e.message : String(e);
    throw new BadImageError(
      path,
      `cannot decode frame ${index + 1} (${describeSyntax(syntax)}): ${reason}`,
    );
  }
}

function decodeStream(
  syntax: TransferSyntax,
  stream: Uint8Array,
  meta: DicomMeta,
  bytesPerSample: 1 | 2 | 4,
): DecodedFrame {
  switch (syntax.pixels) {
    case 'rle':
      return decodeRle(stream, meta.rows * meta.columns, meta.samplesPerPixel, bytesPerSample);
    case 'jpeg':
      return decodeJpeg(stream);
    case 'jpeg-ls':
      return decodeJpegLs(stream);
    case 'jpeg-2000':
      return decodeJpeg2000(stream);
    default:
      throw new Error(`no decoder for ${syntax.pixels} pixel data`);
  }
}

/**
 * Reads a DICOM file (or a bare data set) from its bytes. Synchronous: the wasm codecs are
 * loaded on first use, once per process. Throws BadImageError, naming `path`, for anything
 * that is not a DICOM image we can decode.
 */
export function readDicom(
  bytes: Uint8Array,
  path: string,
  opts: DicomReadOptions = {},
): DicomImage {
  const parsed = parseDicomBytes(bytes, path);
  const meta = readMeta(parsed, path);
  checkSupported(meta, parsed.syntax, path);

  const count = opts.frames === 'all' ? meta.numberOfFrames : 1;
  const grey = meta.samplesPerPixel === 1;
  // Only native YBR_FULL_422 keeps its chroma subsampled; codecs hand back full samples.
  const subsampled = meta.photometric === 'YBR_FULL_422' && parsed.syntax.pixels === 'native';
  const pixels = meta.rows * meta.columns;
  const samples = subsampled ? 2 * pixels : pixels * meta.samplesPerPixel;

  const decoded: DecodedFrame[] = [];
  const values: Float64Array[] = [];
  for (let i = 0; i < count; i++) {
    const frame = decodeFrame(parsed, meta, i, path);
    let stored: Float64Array;
    try {
      stored = storedValues(frame, meta, samples);
    } catch (e) {
      throw new BadImageError(path, `frame ${i + 1}: ${e instanceof Error ? e.message : e}`);
    }
    if (grey) applyModality(parsed.dataSet, meta, stored);
    decoded.push(frame);
    values.push(stored);
  }

  let frames: Float32Array[];
  if (grey) {
    const voi = chooseVoi(parsed.dataSet, meta, opts, values);
    frames = values.map((v) => applyVoi(v, voi, meta.photometric === 'MONOCHROME1'));
  } else {
    frames = values.map((v, i) => colorToUnit(v, meta, { rgb: decoded[i].rgb, subsampled }));
  }
  return { width: meta.columns, height: meta.rows, channels: grey ? 1 : 3, frames, meta };
}
