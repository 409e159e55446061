/**
 * JPEG code streams (ITU T.81) in DICOM: baseline and extended 8-bit frames go to
 * libjpeg-turbo, 12-bit extended frames to our own decoder (jpeg-dct.ts), lossless
 * (process 14) frames to jpeg-lossless-decoder-js. The frame header
 * decides, not the transfer syntax, since files are sometimes labelled with the wrong one.
 */

import { Decoder as LosslessDecoder } from 'jpeg-lossless-decoder-js';

import type { DecodedFrame } from './decoded';
import { decodeDctJpeg } from './jpeg-dct';
import { codecs, runDecoder } from './wasm';

export interface JpegFrameHeader {
  /** The SOF marker's low nibble: 0 baseline, 1 extended, 2 progressive, 3 lossless, ... */
  process: number;
  precision: number;
  height: number;
  width: number;
  components: number;
}

const SOF_NAMES: Record<number, string> = {
  0: 'baseline',
  1: 'extended sequential',
  2: 'progressive',
  3: 'lossless',
  5: 'differential sequential',
  6: 'differential progressive',
  7: 'differential lossless',
  9: 'extended sequential, arithmetic coding',
  10: 'progressive, arithmetic coding',
  11: 'lossless, arithmetic coding',
  13: 'differential sequential, arithmetic coding',
  14: 'differential progressive, arithmetic coding',
  15: 'differential lossless, arithmetic coding',
};

/** Finds the frame header (SOFn) by walking the marker segments after SOI. */
export function readJpegFrameHeader(stream: Uint8Array): JpegFrameHeader {
  if (stream[0] !== 0xff || stream[1] !== 0xd8) throw new Error('JPEG stream has no SOI marker');
  let at = 2;
  while (at + 4 <= stream.length) {
    if (stream[at] !== 0xff) throw new Error(`JPEG marker expected at byte ${at}`);
    const marker = stream[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    const length = (stream[at + 2] << 8) | stream[at + 3];
    const isSof =
      marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (at + 10 > stream.length) break;
      return {
        process: marker - 0xc0,
        precision: stream[at + 4],
        height: (stream[at + 5] << 8) | stream[at + 6],
        width: (stream[at + 7] << 8) | stream[at + 8],
        components: stream[at + 9],
      };
    }
    at += 2 + length;
  }
  throw new Error('JPEG stream ends before its frame header (SOF)');
}

function decodeWithLibjpegTurbo(stream: Uint8Array): DecodedFrame {
  return runDecoder(codecs.libjpegTurbo, stream, (decoder, samples) => {
    const info = decoder.getFrameInfo();
    return {
      data: samples,
      bytesPerSample: 1,
      planar: false,
      // libjpeg turns a three-component YCbCr stream into RGB on output.
      rgb: info.componentCount === 3,
      highBitApplies: false,
      header: { width: info.width, height: info.height, components: info.componentCount },
    };
  });
}

function decodeLossless(stream: Uint8Array): DecodedFrame {
  const decoder = new LosslessDecoder();
  const out = decoder.decode(stream.buffer, stream.byteOffset, stream.byteLength);
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  return {
    data: bytes,
    bytesPerSample: out.BYTES_PER_ELEMENT === 1 ? 1 : 2,
    planar: false,
    rgb: false,
    highBitApplies: false,
  };
}

function sofHeader(sof: JpegFrameHeader): DecodedFrame['header'] {
  return { width: sof.width, height: sof.height, components: sof.components };
}

/** Decodes one JPEG frame into samples. */
export function decodeJpeg(stream: Uint8Array): DecodedFrame {
  const sof = readJpegFrameHeader(stream);
  const kind = `${SOF_NAMES[sof.process] ?? `SOF${sof.process}`} JPEG`;
  if (sof.process === 3) {
    if (sof.components !== 1 && sof.precision > 8) {
      throw new Error(
        `${kind} with ${sof.components} components of ${sof.precision} bits is not supported yet`,
      );
    }
    return { ...decodeLossless(stream), header: sofHeader(sof) };
  }
  if (sof.process <= 2) {
    if (sof.precision === 8) return decodeWithLibjpegTurbo(stream);
    if (sof.precision === 12 && sof.process <= 1) {
      return { ...decodeDctJpeg(stream), header: sofHeader(sof) };
    }
    throw new Error(`${sof.precision}-bit ${kind} is not supported yet`);
  }
  throw new Error(`${kind} is not supported yet`);
}
