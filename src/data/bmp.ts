/**
 * A small BMP reader, because sharp's prebuilt libvips reads no BMP. It covers
 * what image data sets contain: uncompressed 1-, 4- and 8-bit palette images,
 * 16-, 24- and 32-bit direct colour, with bit-field masks (BI_BITFIELDS,
 * BI_ALPHABITFIELDS), top-down or bottom-up rows. Run-length, JPEG and PNG
 * compressed BMPs are refused ("not supported yet").
 */
import { BadImageError } from '../util/errors';

export interface RawImage {
  /** HWC, 8 bits per sample, RGB or RGBA. */
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3 | 4;
}

const MAX_PIXELS = 0x3fff * 0x3fff; // sharp's own default input limit

/** True when `bytes` start like a Windows bitmap file ('BM' and a plausible header size). */
export function isBmp(bytes: Uint8Array): boolean {
  if (bytes.length < 18 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) return false;
  const headerSize = readU32(bytes, 14);
  return headerSize === 12 || (headerSize >= 40 && headerSize <= 124);
}

/** Decodes a BMP file to 8-bit RGB, or RGBA when it carries a used alpha channel. */
export function decodeBmp(bytes: Uint8Array, path: string): RawImage {
  const fail = (reason: string): never => {
    throw new BadImageError(path, reason);
  };
  if (!isBmp(bytes)) fail('not a BMP file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number): number => (at + 2 <= bytes.length ? view.getUint16(at, true) : 0);
  const u32 = (at: number): number => (at + 4 <= bytes.length ? view.getUint32(at, true) : 0);

  // Header: the 12-byte OS/2 core header or a 40..124-byte Windows info header
  const dataOffset = u32(10);
  const headerSize = u32(14);
  const core = headerSize === 12;
  if (bytes.length < 14 + headerSize) fail('truncated BMP header');
  const width = core ? u16(18) : view.getInt32(18, true);
  const signedHeight = core ? u16(20) : view.getInt32(22, true);
  const bitCount = core ? u16(24) : u16(28);
  const compression = core ? 0 : u32(30);
  const colorsUsed = core ? 0 : u32(46);
  const topDown = signedHeight < 0;
  const height = Math.abs(signedHeight);
  if (width <= 0 || height <= 0 || width * height > MAX_PIXELS) {
    fail(`BMP size ${width}x${signedHeight} is out of range`);
  }

  // Colour masks: in the header from V2 on, after a 40-byte header for bit-field compression
  let masks: number[] | undefined;
  if (compression === 3 || compression === 6) {
    const at = 14 + 40;
    masks = [
      u32(at),
      u32(at + 4),
      u32(at + 8),
      compression === 6 || headerSize >= 56 ? u32(at + 12) : 0,
    ];
  } else if (compression !== 0) {
    fail(`BMP compression ${compression} is not supported yet (only uncompressed BMP is)`);
  } else if (bitCount === 16) {
    masks = [0x7c00, 0x03e0, 0x001f, 0];
  } else if (bitCount === 32) {
    masks = [0xff0000, 0x00ff00, 0x0000ff, 0];
  }

  // Palette: after the header (and the masks a 40-byte header keeps outside it)
  let palette: Uint8Array | undefined;
  if (bitCount <= 8) {
    if (![1, 4, 8].includes(bitCount)) fail(`BMP bit count ${bitCount} is not supported`);
    const entrySize = core ? 3 : 4;
    const extra = headerSize === 40 && masks ? (compression === 6 ? 16 : 12) : 0;
    const at = 14 + headerSize + extra;
    const count = colorsUsed > 0 && colorsUsed <= 256 ? colorsUsed : 1 << bitCount;
    if (at + count * entrySize > bytes.length) fail('truncated BMP palette');
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < count; i++) {
      const p = at + i * entrySize;
      palette[i * 3] = bytes[p + 2];
      palette[i * 3 + 1] = bytes[p + 1];
      palette[i * 3 + 2] = bytes[p];
    }
  } else if (![16, 24, 32].includes(bitCount)) {
    fail(`BMP bit count ${bitCount} is not supported`);
  }

  const stride = Math.floor((bitCount * width + 31) / 32) * 4;
  if (dataOffset + stride * (height - 1) + Math.ceil((bitCount * width) / 8) > bytes.length) {
    fail('truncated BMP pixel data');
  }
  const hasAlpha = masks !== undefined && masks[3] !== 0;
  const channels = hasAlpha ? 4 : 3;
  const out = new Uint8Array(width * height * channels);
  const fields = masks?.map(maskField);

  // Pixels, row by row into top-down HWC order
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      if (palette) {
        const bit = x * bitCount;
        const byte = bytes[row + (bit >> 3)];
        const index = (byte >> (8 - bitCount - (bit & 7))) & ((1 << bitCount) - 1);
        out[o] = palette[index * 3];
        out[o + 1] = palette[index * 3 + 1];
        out[o + 2] = palette[index * 3 + 2];
      } else if (bitCount === 24) {
        const p = row + x * 3;
        out[o] = bytes[p + 2];
        out[o + 1] = bytes[p + 1];
        out[o + 2] = bytes[p];
      } else {
        const p = row + (x * bitCount) / 8;
        const value = bitCount === 16 ? view.getUint16(p, true) : view.getUint32(p, true);
        for (let c = 0; c < channels; c++) out[o + c] = fields![c](value);
      }
    }
  }

  // An alpha mask whose samples are all zero is an unused field, not a transparent image
  if (hasAlpha) {
    let used = false;
    for (let i = 3; i < out.length && !used; i += 4) used = out[i] !== 0;
    if (!used) {
      const rgb = new Uint8Array(width * height * 3);
      for (let i = 0, j = 0; i < out.length; i += 4, j += 3) rgb.set(out.subarray(i, i + 3), j);
      return { data: rgb, width, height, channels: 3 };
    }
  }
  return { data: out, width, height, channels };
}

/** Extracts a bit field and scales it to 0..255 (a missing field reads as 0). */
function maskField(mask: number): (value: number) => number {
  if (mask === 0) return () => 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  return (value) => Math.round((((value & mask) >>> shift) * 255) / max);
}

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}
