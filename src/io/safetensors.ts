/**
 * The safetensors format, so weights move between this project and PyTorch:
 *
 *   u64 little-endian N | N bytes of JSON header | data buffer
 *
 * The header maps each tensor name to `{ dtype, shape, data_offsets: [begin, end] }`
 * (byte offsets into the data buffer) and may hold `__metadata__`, a map of
 * strings. We pad the header with spaces so the data buffer starts at a
 * multiple of 8 bytes, and pack tensors back to back in the caller's order.
 * We write F32 only; we read F32, F16, BF16 and F64 and hand back float32.
 */
import * as fsp from 'node:fs/promises';
import { endianness } from 'node:os';
import { UserError } from '../util/errors';
import { writeFileAtomic } from '../util/atomic';

/** A dense float32 tensor, row-major (the last axis varies fastest). */
export interface NamedTensor {
  data: Float32Array;
  shape: number[];
}

/** Bytes per element of the dtypes we read. */
const DTYPE_SIZE: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2 };

/** Headers larger than this are rejected as corrupt, as the reference reader does. */
const MAX_HEADER_BYTES = 100_000_000;

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** Serialises `tensors` (as F32) and optional string `metadata` to safetensors bytes. */
export function encodeSafetensors(
  tensors: Record<string, NamedTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  // Header: offsets follow the caller's key order, tensors packed without gaps.
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new Error('a tensor may not be named __metadata__');
    const n = elementCount(t.shape);
    if (n !== t.data.length) {
      throw new Error(
        `tensor '${name}': shape [${t.shape}] needs ${n} values but data has ${t.data.length}`,
      );
    }
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
  json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);

  // Layout: length prefix, header, data buffer.
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const t of Object.values(tensors)) {
    writeF32(out, pos, t.data);
    pos += 4 * t.data.length;
  }
  return out;
}

/**
 * Parses safetensors bytes. Every structural problem (truncation, bad JSON,
 * offsets that overlap, leave holes or disagree with the shape, unknown
 * dtype) becomes a UserError that starts with `source`.
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  source: string,
): { tensors: Record<string, NamedTensor>; metadata: Record<string, string> } {
  function fail(what: string): never {
    throw new UserError(`${source}: not a valid safetensors file: ${what}`);
  }

  // Length prefix and header.
  if (bytes.length < 8)
    fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) {
    fail(`header length ${headerLen} exceeds the ${bytes.length - 8} bytes after it`);
  }
  const dataStart = 8 + Number(headerLen);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + 8, Number(headerLen)).toString('utf8');
  if (!text.startsWith('{')) fail('header does not start with "{"');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    fail(`header is not JSON (${(err as Error).message})`);
  }
  if (!isObject(header)) fail('header is not a JSON object');

  // Metadata: a flat map of strings.
  const metadata: Record<string, string> = {};
  const meta = header.__metadata__;
  if (meta !== undefined) {
    if (!isObject(meta)) fail('__metadata__ is not an object');
    for (const [k, v] of Object.entries(meta)) {
      if (typeof v !== 'string') fail(`__metadata__.${k} is ${typeof v}, expected a string`);
      metadata[k] = v;
    }
  }

  // Tensor entries, checked one by one.
  const entries: Array<{
    name: string;
    dtype: string;
    shape: number[];
    begin: number;
    end: number;
  }> = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (!isObject(info)) fail(`entry '${name}' is not an object`);
    const { dtype, shape, data_offsets: offsets } = info;
    if (typeof dtype !== 'string') fail(`tensor '${name}' has no dtype`);
    if (!(dtype in DTYPE_SIZE)) {
      fail(`tensor '${name}' has dtype ${dtype}; supported: ${Object.keys(DTYPE_SIZE).join(', ')}`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor '${name}' has shape ${JSON.stringify(shape)}, expected non-negative integers`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[1] < offsets[0]
    ) {
      fail(`tensor '${name}' has data_offsets ${JSON.stringify(offsets)}`);
    }
    const expected = elementCount(shape) * DTYPE_SIZE[dtype];
    if (offsets[1] - offsets[0] !== expected) {
      fail(
        `tensor '${name}' (${dtype} [${shape}]) needs ${expected} bytes ` +
          `but data_offsets [${offsets}] span ${offsets[1] - offsets[0]}`,
      );
    }
    entries.push({ name, dtype, shape, begin: offsets[0], end: offsets[1] });
  }

  // The tensors must tile the data buffer exactly: no overlap, no hole, no tail.
  const dataLen = bytes.length - dataStart;
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const e of sorted) {
    if (e.begin !== covered) {
      fail(
        e.begin < covered
          ? `tensor '${e.name}' overlaps the one before it (starts at ${e.begin}, expected ${covered})`
          : `hole in the data buffer before tensor '${e.name}' (bytes ${covered}..${e.begin})`,
      );
    }
    covered = e.end;
  }
  if (covered !== dataLen) {
    fail(
      covered > dataLen
        ? `file is truncated: tensors need ${covered} data bytes, found ${dataLen}`
        : `${dataLen - covered} unused bytes after the last tensor`,
    );
  }

  const tensors: Record<string, NamedTensor> = {};
  for (const e of entries) {
    const data = toFloat32(bytes, dataStart + e.begin, dataStart + e.end, e.dtype);
    tensors[e.name] = { data, shape: e.shape.slice() };
  }
  return { tensors, metadata };
}

/** Reads a safetensors file; a missing or malformed file is a UserError naming it. */
export async function readSafetensors(
  file: string,
): Promise<{ tensors: Record<string, NamedTensor>; metadata: Record<string, string> }> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${file}: no such file`);
    throw new UserError(`${file}: cannot read (${code ?? (err as Error).message})`);
  }
  return decodeSafetensors(bytes, file);
}

/** Writes a safetensors file atomically (temporary name, fsync, rename). */
export async function writeSafetensors(
  file: string,
  tensors: Record<string, NamedTensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}

function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function writeF32(out: Uint8Array, pos: number, data: Float32Array): void {
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < data.length; i++) view.setFloat32(pos + 4 * i, data[i], true);
}

/** Converts bytes [begin, end) of `bytes`, little-endian `dtype`, to a fresh Float32Array. */
function toFloat32(bytes: Uint8Array, begin: number, end: number, dtype: string): Float32Array {
  const n = (end - begin) / DTYPE_SIZE[dtype];
  if (dtype === 'F32' && LITTLE_ENDIAN_HOST) {
    // Copy into a fresh buffer: aligned to 4 bytes, and not a view of a larger Buffer.
    const copy = new Uint8Array(end - begin);
    copy.set(bytes.subarray(begin, end));
    return new Float32Array(copy.buffer);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + begin, end - begin);
  const out = new Float32Array(n);
  if (dtype === 'F32') {
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
  } else if (dtype === 'F64') {
    for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
  } else if (dtype === 'BF16') {
    // bfloat16 is the top half of a float32.
    const bits = new Uint32Array(n);
    for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
    out.set(new Float32Array(bits.buffer));
  } else {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  }
  return out;
}

/** IEEE 754 binary16 bits to a number (subnormals, infinities and NaN included). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
