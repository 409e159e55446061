/**
 * RLE Lossless decoding (PS3.5 Annex G): a 64-byte header of up to 15 segment offsets, one
 * segment per byte of each sample, most significant byte first, each a PackBits run list.
 */

import type { DecodedFrame } from './decoded';

function u32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

/** Unpacks one segment into every `stride`-th byte of `out`, starting at `start`. */
function unpackSegment(
  src: Uint8Array,
  from: number,
  to: number,
  out: Uint8Array,
  start: number,
  stride: number,
  count: number,
): number {
  let o = start;
  let written = 0;
  let i = from;
  while (i < to && written < count) {
    const n = (src[i++] << 24) >> 24; // signed header byte
    if (n >= 0) {
      // n + 1 literal bytes
      for (let k = 0; k <= n && i < to && written < count; k++, written++, o += stride) {
        out[o] = src[i++];
      }
    } else if (n !== -128) {
      // the next byte repeated 1 - n times
      const value = src[i++];
      for (let k = 0; k < 1 - n && written < count; k++, written++, o += stride) out[o] = value;
    }
  }
  return written;
}

/**
 * Decodes one RLE frame of `pixels` pixels with `samples` samples of `bytesPerSample` bytes
 * into interleaved little-endian containers.
 */
export function decodeRle(
  frame: Uint8Array,
  pixels: number,
  samples: number,
  bytesPerSample: 1 | 2 | 4,
): DecodedFrame {
  if (frame.length < 64) throw new Error(`RLE header needs 64 bytes, frame has ${frame.length}`);
  const segments = u32(frame, 0);
  const expected = samples * bytesPerSample;
  if (segments !== expected) {
    throw new Error(`RLE frame has ${segments} segments where ${expected} are needed`);
  }
  const out = new Uint8Array(pixels * expected);
  for (let s = 0; s < segments; s++) {
    const from = u32(frame, 4 + 4 * s);
    const to = s + 1 < segments ? u32(frame, 8 + 4 * s) : frame.length;
    if (from < 64 || from > to || to > frame.length) {
      throw new Error(`RLE segment ${s + 1} has offsets ${from}..${to} outside the frame`);
    }
    const sample = Math.floor(s / bytesPerSample);
    const byte = bytesPerSample - 1 - (s % bytesPerSample); // segments go high byte first
    const written = unpackSegment(
      frame,
      from,
      to,
      out,
      sample * bytesPerSample + byte,
      expected,
      pixels,
    );
    if (written < pixels) {
      throw new Error(`RLE segment ${s + 1} holds ${written} of ${pixels} bytes`);
    }
  }
  return { data: out, bytesPerSample, planar: false, rgb: false, highBitApplies: true };
}
