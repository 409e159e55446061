/**
 * Stored values (PS3.3 C.7.6.3.1, PS3.5 8.1.1): each sample's BitsStored bits are taken from
 * its container below HighBit, masked, and sign-extended when PixelRepresentation is 1.
 */

import type { DecodedFrame } from './decoded';
import type { DicomMeta } from './types';

function readContainer(data: Uint8Array, bytesPerSample: 1 | 2 | 4, count: number): Float64Array {
  const raw = new Float64Array(count);
  if (bytesPerSample === 1) {
    for (let i = 0; i < count; i++) raw[i] = data[i];
  } else if (bytesPerSample === 2) {
    for (let i = 0, j = 0; i < count; i++, j += 2) raw[i] = data[j] | (data[j + 1] << 8);
  } else {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < count; i++) raw[i] = view.getUint32(4 * i, true);
  }
  return raw;
}

/**
 * The stored values of `count` samples, pixel by pixel (planar frames are interleaved here).
 * Throws when the frame holds fewer samples.
 */
export function storedValues(frame: DecodedFrame, meta: DicomMeta, count: number): Float64Array {
  const available = Math.floor(frame.data.length / frame.bytesPerSample);
  if (available < count) {
    throw new Error(`decoded frame has ${available} samples where ${count} are needed`);
  }
  const values = readContainer(frame.data, frame.bytesPerSample, count);

  const bits = Math.min(meta.bitsStored, 8 * frame.bytesPerSample);
  const shift = frame.highBitApplies ? Math.max(0, meta.highBit + 1 - meta.bitsStored) : 0;
  const range = 2 ** bits; // arithmetic rather than bit operations, for 32-bit samples
  const half = range / 2;
  const signed = meta.pixelRepresentation === 1;
  const divisor = 2 ** shift;
  for (let i = 0; i < count; i++) {
    let v = Math.floor(values[i] / divisor) % range;
    if (signed && v >= half) v -= range;
    values[i] = v;
  }

  if (frame.planar && meta.samplesPerPixel > 1) {
    const spp = meta.samplesPerPixel;
    const pixels = count / spp;
    const interleaved = new Float64Array(count);
    for (let s = 0; s < spp; s++) {
      for (let p = 0; p < pixels; p++) interleaved[p * spp + s] = values[s * pixels + p];
    }
    return interleaved;
  }
  return values;
}
