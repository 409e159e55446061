// Test images built in memory: small files whose every sample is known.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import sharp from 'sharp';

/** A fresh temporary folder, removed when the process exits. */
export function tmpDir(prefix = 'cyclegan-data-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The documented sample mapping, 8-bit: v / 127.5 - 1, as float32. */
export const unit8 = (v: number): number => Math.fround(v / 127.5 - 1);
/** The documented sample mapping, 16-bit: v / 32767.5 - 1, as float32. */
export const unit16 = (v: number): number => Math.fround(v / 32767.5 - 1);

/** Encodes raw HWC samples with sharp (grey, grey+alpha, RGB or RGBA; 8 or 16 bits). */
export async function encodeRaw(
  samples: Uint8Array | Uint16Array,
  width: number,
  height: number,
  channels: 1 | 2 | 3 | 4,
  format: 'png' | 'webp' | 'tiff' | 'gif' | 'jpeg',
): Promise<Buffer> {
  const wide = samples instanceof Uint16Array;
  const grey = channels <= 2;
  const space = wide ? (grey ? 'grey16' : 'rgb16') : grey ? 'b-w' : 'srgb';
  const img = sharp(samples, { raw: { width, height, channels } }).toColourspace(space);
  if (format === 'webp') return img.webp({ lossless: true }).toBuffer();
  if (format === 'tiff') return img.tiff({ compression: 'lzw' }).toBuffer();
  if (format === 'gif') return img.gif().toBuffer();
  if (format === 'jpeg') return img.jpeg({ quality: 95 }).toBuffer();
  return img.png().toBuffer();
}

/** A PNG written chunk by chunk, for kinds sharp's encoder does not make exactly (palettes). */
export function pngFile(opts: {
  width: number;
  height: number;
  bitDepth: number;
  colorType: 0 | 2 | 3 | 4 | 6;
  rows: Uint8Array[]; // packed scanlines without the filter byte
  palette?: number[][]; // RGB entries for colour type 3
  transparency?: number[]; // tRNS alpha per palette entry
}): Buffer {
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(zlib.crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(opts.width, 0);
  ihdr.writeUInt32BE(opts.height, 4);
  ihdr[8] = opts.bitDepth;
  ihdr[9] = opts.colorType;
  const scanlines = Buffer.concat(opts.rows.map((r) => Buffer.concat([Buffer.from([0]), r])));
  const parts = [
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
  ];
  if (opts.palette) parts.push(chunk('PLTE', Uint8Array.from(opts.palette.flat())));
  if (opts.transparency) parts.push(chunk('tRNS', Uint8Array.from(opts.transparency)));
  parts.push(chunk('IDAT', zlib.deflateSync(scanlines)), chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}

/**
 * An uncompressed BMP. `pixels` are top-down RGB(A) rows; the file stores
 * them bottom-up (or top-down with `topDown`) in the given bit count.
 */
export function bmpFile(opts: {
  width: number;
  height: number;
  bitCount: 4 | 8 | 24 | 32;
  pixels: number[][]; // per pixel [r, g, b] or [r, g, b, a], or [index] for palette images
  palette?: number[][];
  alpha?: boolean; // 32-bit: a V4 header with an alpha mask
  topDown?: boolean;
}): Buffer {
  const { width, height, bitCount } = opts;
  const headerSize = opts.alpha ? 108 : 40;
  const paletteSize = opts.palette ? opts.palette.length * 4 : 0;
  const stride = Math.floor((bitCount * width + 31) / 32) * 4;
  const dataOffset = 14 + headerSize + paletteSize;
  const buf = Buffer.alloc(dataOffset + stride * height);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(dataOffset, 10);
  buf.writeUInt32LE(headerSize, 14);
  buf.writeInt32LE(width, 18);
  buf.writeInt32LE(opts.topDown ? -height : height, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(bitCount, 28);
  buf.writeUInt32LE(opts.alpha ? 3 : 0, 30);
  buf.writeUInt32LE(opts.palette ? opts.palette.length : 0, 46);
  if (opts.alpha) {
    buf.writeUInt32LE(0x00ff0000, 54);
    buf.writeUInt32LE(0x0000ff00, 58);
    buf.writeUInt32LE(0x000000ff, 62);
    buf.writeUInt32LE(0xff000000, 66);
  }
  opts.palette?.forEach(([r, g, b], i) => buf.set([b, g, r, 0], 14 + headerSize + i * 4));
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (opts.topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const p = opts.pixels[y * width + x];
      if (bitCount === 4) buf[row + (x >> 1)] |= p[0] << (x % 2 === 0 ? 4 : 0);
      else if (bitCount === 8) buf[row + x] = p[0];
      else if (bitCount === 24) buf.set([p[2], p[1], p[0]], row + x * 3);
      else buf.set([p[2], p[1], p[0], p[3] ?? 0], row + x * 4);
    }
  }
  return buf;
}

/** A baseline TIFF of 8-bit samples with `spp` samples per pixel (extra ones unspecified). */
export function tiffFile(width: number, height: number, spp: number, samples: number[]): Buffer {
  const entries: [number, number, number, number | 'bps' | 'strip' | 'extra'][] = [
    [256, 3, 1, width],
    [257, 3, 1, height],
    [258, 3, spp, 'bps'],
    [259, 3, 1, 1],
    [262, 3, 1, 1],
    [273, 4, 1, 'strip'],
    [277, 3, 1, spp],
    [278, 3, 1, height],
    [279, 4, 1, width * height * spp],
    [284, 3, 1, 1],
    [338, 3, spp - 1, 'extra'],
  ];
  const ifdAt = 8;
  const bpsAt = ifdAt + 2 + entries.length * 12 + 4;
  const extraAt = bpsAt + 2 * spp;
  const stripAt = extraAt + 2 * spp;
  const buf = Buffer.alloc(stripAt + samples.length);
  buf.write('II', 0, 'latin1');
  buf.writeUInt16LE(42, 2);
  buf.writeUInt32LE(ifdAt, 4);
  buf.writeUInt16LE(entries.length, ifdAt);
  entries.forEach(([tag, type, count, value], i) => {
    const at = ifdAt + 2 + i * 12;
    buf.writeUInt16LE(tag, at);
    buf.writeUInt16LE(type, at + 2);
    buf.writeUInt32LE(count, at + 4);
    const v =
      value === 'bps' ? bpsAt : value === 'extra' ? extraAt : value === 'strip' ? stripAt : value;
    if (type === 3 && count === 1) buf.writeUInt16LE(v, at + 8);
    else buf.writeUInt32LE(v, at + 8);
  });
  for (let i = 0; i < spp; i++) buf.writeUInt16LE(8, bpsAt + 2 * i);
  buf.set(samples, stripAt);
  return buf;
}

/** A grey image whose pixel (x, y) holds `value(x, y)`, as an 8-bit grey PNG. */
export async function greyPng(
  width: number,
  height: number,
  value: (x: number, y: number) => number,
): Promise<Buffer> {
  const px = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) px[y * width + x] = value(x, y);
  return encodeRaw(px, width, height, 1, 'png');
}
