/**
 * A decoder for sequential DCT JPEG with Huffman coding (ITU T.81 processes 1, 2 and 4), used
 * for the 12-bit frames of JPEG Extended that the 8-bit libjpeg-turbo build cannot decode.
 * Written for this project from the T.81 text: markers (B.2), Huffman tables (C, F.2.2.3),
 * coefficient decoding (F.2.2), dequantisation and a float inverse DCT (A.3.3), level shift.
 * Three-component frames are taken as YCbCr and returned as RGB, as libjpeg does.
 */

import type { DecodedFrame } from './decoded';

/** Zig-zag position k → natural (row-major) index in the 8×8 block. */
const ZIGZAG = Uint8Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
  13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52,
  45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

/** cos((2x + 1) u π / 16) · C(u) / 2, indexed [x * 8 + u]. */
const IDCT_BASIS = (() => {
  const t = new Float64Array(64);
  for (let x = 0; x < 8; x++) {
    for (let u = 0; u < 8; u++) {
      const c = u === 0 ? Math.SQRT1_2 : 1;
      t[x * 8 + u] = (c / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
    }
  }
  return t;
})();

interface Huffman {
  /** Per code length 1..16: the largest code (−1 when none) and where its values start. */
  maxCode: Int32Array;
  valueOffset: Int32Array;
  values: Uint8Array;
}

interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
  /** Blocks per line and per column, padded to whole MCUs. */
  blocksPerLine: number;
  blocksPerColumn: number;
  /** Dequantised coefficients, 64 per block, blocks row-major. */
  coefficients: Float64Array;
  pred: number;
  dc?: Huffman;
  ac?: Huffman;
}

function buildHuffman(counts: Uint8Array, values: Uint8Array): Huffman {
  const maxCode = new Int32Array(18).fill(-1);
  const valueOffset = new Int32Array(18);
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    const n = counts[length - 1];
    valueOffset[length] = k - code; // value index = code + offset
    if (n > 0) maxCode[length] = code + n - 1;
    code = (code + n) << 1;
    k += n;
  }
  return { maxCode, valueOffset, values };
}

/** Reads entropy-coded bits, undoing 0xFF00 stuffing and stopping at markers. */
class BitReader {
  private bits = 0;
  private count = 0;
  /** A marker was met: the reader feeds zeros until reset. */
  marker = -1;

  constructor(
    private readonly data: Uint8Array,
    public at: number,
  ) {}

  private fill(): void {
    while (this.count <= 24) {
      let byte = 0;
      if (this.marker < 0 && this.at < this.data.length) {
        byte = this.data[this.at];
        if (byte === 0xff) {
          const next = this.data[this.at + 1];
          if (next === 0) {
            this.at += 2;
          } else {
            this.marker = next;
            byte = 0;
          }
        } else {
          this.at++;
        }
      }
      this.bits = ((this.bits << 8) | byte) >>> 0;
      this.count += 8;
    }
  }

  bit(): number {
    if (this.count === 0) this.fill();
    this.count--;
    return (this.bits >>> this.count) & 1;
  }

  receive(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v << 1) | this.bit();
    return v;
  }

  /** RECEIVE then EXTEND (F.2.2.1): an n-bit magnitude category to a signed value. */
  receiveExtend(n: number): number {
    if (n === 0) return 0;
    const v = this.receive(n);
    return v < 1 << (n - 1) ? v - (1 << n) + 1 : v;
  }

  decode(table: Huffman): number {
    let code = 0;
    for (let length = 1; length <= 16; length++) {
      code = (code << 1) | this.bit();
      if (code <= table.maxCode[length]) return table.values[code + table.valueOffset[length]];
    }
    throw new Error('bad Huffman code in JPEG scan');
  }

  /**
   * Starts afresh after a restart interval: the padding bits are dropped and the RSTn marker,
   * which follows the interval's last byte, is skipped.
   */
  restart(): void {
    this.bits = 0;
    this.count = 0;
    this.marker = -1;
    const d = this.data;
    if (d[this.at] === 0xff && d[this.at + 1] >= 0xd0 && d[this.at + 1] <= 0xd7) this.at += 2;
  }
}

function decodeBlock(reader: BitReader, c: Component, offset: number, quant: Uint16Array): void {
  const dc = c.dc!;
  const ac = c.ac!;
  const out = c.coefficients;
  c.pred += reader.receiveExtend(reader.decode(dc));
  out[offset] = c.pred * quant[0];
  for (let k = 1; k < 64;) {
    const rs = reader.decode(ac);
    const r = rs >> 4;
    const s = rs & 15;
    if (s === 0) {
      if (r !== 15) break; // end of block
      k += 16;
      continue;
    }
    k += r;
    if (k > 63) throw new Error('JPEG coefficient index past 63');
    out[offset + ZIGZAG[k]] = reader.receiveExtend(s) * quant[ZIGZAG[k]];
    k++;
  }
}

/** Inverse DCT of one block into `plane` at (x0, y0), with level shift and clamping. */
function idctBlock(
  coefficients: Float64Array,
  offset: number,
  plane: Float64Array,
  planeWidth: number,
  x0: number,
  y0: number,
  shift: number,
  max: number,
  scratch: Float64Array,
): void {
  // Rows: scratch[y][x] = Σu basis[x][u] F[y][u]
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      let sum = 0;
      for (let u = 0; u < 8; u++) sum += IDCT_BASIS[x * 8 + u] * coefficients[offset + y * 8 + u];
      scratch[y * 8 + x] = sum;
    }
  }
  // Columns: f[y][x] = Σv basis[y][v] scratch[v][x]
  for (let x = 0; x < 8; x++) {
    for (let y = 0; y < 8; y++) {
      let sum = 0;
      for (let v = 0; v < 8; v++) sum += IDCT_BASIS[y * 8 + v] * scratch[v * 8 + x];
      const value = Math.round(sum + shift);
      plane[(y0 + y) * planeWidth + x0 + x] = value < 0 ? 0 : value > max ? max : value;
    }
  }
}

/** Decodes a sequential Huffman-coded DCT JPEG of 8 or 12 bits. */
export function decodeDctJpeg(stream: Uint8Array): DecodedFrame {
  const quant: Uint16Array[] = [];
  const dcTables: Huffman[] = [];
  const acTables: Huffman[] = [];
  let components: Component[] = [];
  let precision = 8;
  let width = 0;
  let height = 0;
  let hMax = 1;
  let vMax = 1;
  let mcusPerLine = 0;
  let mcusPerColumn = 0;
  let restartInterval = 0;
  let adobeTransform = -1;

  const u16 = (at: number) => (stream[at] << 8) | stream[at + 1];
  let at = 2;
  for (;;) {
    if (at + 2 > stream.length) throw new Error('JPEG stream ends before EOI');
    if (stream[at] !== 0xff) throw new Error(`JPEG marker expected at byte ${at}`);
    const marker = stream[at + 1];
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker === 0xd9) break; // EOI
    if (at + 4 > stream.length) throw new Error('JPEG stream ends before EOI');
    const length = u16(at + 2);
    const body = at + 4;
    const end = at + 2 + length;
    if (end > stream.length) throw new Error('JPEG marker segment runs past the end');

    if (marker === 0xdb) {
      // DQT: Pq (0: 8-bit, 1: 16-bit entries), Tq, 64 entries in zig-zag order
      for (let p = body; p < end;) {
        const pq = stream[p] >> 4;
        const tq = stream[p] & 15;
        const table = new Uint16Array(64);
        p++;
        for (let k = 0; k < 64; k++) {
          table[ZIGZAG[k]] = pq ? u16(p) : stream[p];
          p += pq ? 2 : 1;
        }
        quant[tq] = table;
      }
    } else if (marker === 0xc4) {
      // DHT: Tc (0: DC, 1: AC), Th, 16 counts, values
      for (let p = body; p < end;) {
        const tc = stream[p] >> 4;
        const th = stream[p] & 15;
        const counts = stream.subarray(p + 1, p + 17);
        const total = counts.reduce((n, c) => n + c, 0);
        const table = buildHuffman(counts, stream.slice(p + 17, p + 17 + total));
        (tc === 0 ? dcTables : acTables)[th] = table;
        p += 17 + total;
      }
    } else if (marker === 0xc0 || marker === 0xc1) {
      precision = stream[body];
      height = u16(body + 1);
      width = u16(body + 3);
      const n = stream[body + 5];
      components = [];
      for (let i = 0; i < n; i++) {
        const p = body + 6 + 3 * i;
        components.push({
          id: stream[p],
          h: stream[p + 1] >> 4,
          v: stream[p + 1] & 15,
          tq: stream[p + 2],
          blocksPerLine: 0,
          blocksPerColumn: 0,
          coefficients: new Float64Array(0),
          pred: 0,
        });
      }
      if (height === 0) throw new Error('JPEG with the height in a DNL marker is not supported');
      hMax = Math.max(...components.map((c) => c.h));
      vMax = Math.max(...components.map((c) => c.v));
      mcusPerLine = Math.ceil(width / (8 * hMax));
      mcusPerColumn = Math.ceil(height / (8 * vMax));
      for (const c of components) {
        c.blocksPerLine = mcusPerLine * c.h;
        c.blocksPerColumn = mcusPerColumn * c.v;
        c.coefficients = new Float64Array(c.blocksPerLine * c.blocksPerColumn * 64);
      }
    } else if (
      marker >= 0xc2 &&
      marker <= 0xcf &&
      marker !== 0xc4 &&
      marker !== 0xc8 &&
      marker !== 0xcc
    ) {
      throw new Error(`JPEG frame type SOF${marker - 0xc0} is not sequential DCT`);
    } else if (marker === 0xdd) {
      restartInterval = u16(body);
    } else if (marker === 0xee && length >= 12 && stream[body] === 0x41) {
      adobeTransform = stream[body + 11]; // 'Adobe' segment: 0 RGB, 1 YCbCr
    } else if (marker === 0xda) {
      if (components.length === 0) throw new Error('JPEG scan before frame header');
      const ns = stream[body];
      const scan: Component[] = [];
      for (let i = 0; i < ns; i++) {
        const c = components.find((x) => x.id === stream[body + 1 + 2 * i]);
        if (!c) throw new Error('JPEG scan names an unknown component');
        c.dc = dcTables[stream[body + 2 + 2 * i] >> 4];
        c.ac = acTables[stream[body + 2 + 2 * i] & 15];
        if (!c.dc || !c.ac || !quant[c.tq]) throw new Error('JPEG scan uses an undefined table');
        c.pred = 0;
        scan.push(c);
      }
      at = decodeScan(
        stream,
        end,
        scan,
        quant,
        restartInterval,
        mcusPerLine,
        mcusPerColumn,
        width,
        height,
        hMax,
        vMax,
      );
      continue;
    }
    at = end;
  }

  if (components.length === 0) throw new Error('JPEG stream has no frame header');
  return toSamples(components, width, height, hMax, vMax, precision, adobeTransform);
}

/** Decodes one scan's entropy-coded segment; returns where the next marker starts. */
function decodeScan(
  stream: Uint8Array,
  start: number,
  scan: Component[],
  quant: Uint16Array[],
  restartInterval: number,
  mcusPerLine: number,
  mcusPerColumn: number,
  width: number,
  height: number,
  hMax: number,
  vMax: number,
): number {
  const reader = new BitReader(stream, start);
  const single = scan.length === 1;
  // A single-component scan covers only that component's own blocks, not the MCU padding.
  const c0 = scan[0];
  const lineBlocks = single ? Math.ceil(Math.ceil((width * c0.h) / hMax) / 8) : mcusPerLine;
  const columnBlocks = single ? Math.ceil(Math.ceil((height * c0.v) / vMax) / 8) : mcusPerColumn;
  const total = lineBlocks * columnBlocks;

  for (let n = 0; n < total; n++) {
    if (restartInterval > 0 && n > 0 && n % restartInterval === 0) {
      reader.restart();
      for (const c of scan) c.pred = 0;
    }
    const row = Math.floor(n / lineBlocks);
    const col = n % lineBlocks;
    if (single) {
      decodeBlock(reader, c0, (row * c0.blocksPerLine + col) * 64, quant[c0.tq]);
      continue;
    }
    for (const c of scan) {
      for (let v = 0; v < c.v; v++) {
        for (let h = 0; h < c.h; h++) {
          const block = (row * c.v + v) * c.blocksPerLine + col * c.h + h;
          decodeBlock(reader, c, block * 64, quant[c.tq]);
        }
      }
    }
  }
  // Resume after the scan's data: find the next marker that is not a restart marker.
  let at = reader.at;
  while (at + 1 < stream.length) {
    const next = stream[at + 1];
    if (stream[at] === 0xff && next !== 0 && !(next >= 0xd0 && next <= 0xd7)) break;
    at++;
  }
  return at;
}

function toSamples(
  components: Component[],
  width: number,
  height: number,
  hMax: number,
  vMax: number,
  precision: number,
  adobeTransform: number,
): DecodedFrame {
  const max = 2 ** precision - 1;
  const shift = 2 ** (precision - 1);
  const scratch = new Float64Array(64);
  const planes = components.map((c) => {
    const planeWidth = c.blocksPerLine * 8;
    const plane = new Float64Array(planeWidth * c.blocksPerColumn * 8);
    for (let by = 0; by < c.blocksPerColumn; by++) {
      for (let bx = 0; bx < c.blocksPerLine; bx++) {
        const offset = (by * c.blocksPerLine + bx) * 64;
        idctBlock(c.coefficients, offset, plane, planeWidth, bx * 8, by * 8, shift, max, scratch);
      }
    }
    return { plane, planeWidth, sx: c.h / hMax, sy: c.v / vMax };
  });

  const n = components.length;
  const samples = new Float64Array(width * height * n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < n; k++) {
        const p = planes[k];
        samples[(y * width + x) * n + k] =
          p.plane[Math.floor(y * p.sy) * p.planeWidth + Math.floor(x * p.sx)];
      }
    }
  }
  const ids = components.map((c) => String.fromCharCode(c.id)).join('');
  const ycc = n === 3 && adobeTransform !== 0 && ids !== 'RGB';
  if (ycc) {
    for (let i = 0; i < samples.length; i += 3) {
      const y = samples[i];
      const cb = samples[i + 1] - shift;
      const cr = samples[i + 2] - shift;
      samples[i] = Math.min(max, Math.max(0, Math.round(y + 1.402 * cr)));
      samples[i + 1] = Math.min(max, Math.max(0, Math.round(y - 0.344136 * cb - 0.714136 * cr)));
      samples[i + 2] = Math.min(max, Math.max(0, Math.round(y + 1.772 * cb)));
    }
  }

  const bytesPerSample = precision > 8 ? 2 : 1;
  const data = new Uint8Array(samples.length * bytesPerSample);
  for (let i = 0; i < samples.length; i++) {
    if (bytesPerSample === 1) data[i] = samples[i];
    else {
      data[2 * i] = samples[i] & 0xff;
      data[2 * i + 1] = samples[i] >> 8;
    }
  }
  return { data, bytesPerSample, planar: false, rgb: n === 3, highBitApplies: false };
}
