/**
 * The greyscale pipeline after the stored values, in the standard's order (PS3.3 C.11):
 * modality LUT (RescaleSlope/Intercept, or a Modality LUT Sequence), then VOI (a window or a
 * VOI LUT), then MONOCHROME1 inverted so that 1 is bright as in MONOCHROME2.
 */

import type { DataSet } from 'dicom-parser';

import { UserError } from '../../util/errors';
import { TAG } from './parse';
import type { DicomMeta, DicomReadOptions } from './types';

/** A LUT (PS3.3 C.11.1.1): entries for inputs firstMapped, firstMapped + 1, ... */
export interface Lut {
  firstMapped: number;
  bits: number;
  entries: Float64Array;
}

export type Voi =
  /** The DICOM linear window, PS3.3 C.11.2.1.2.1 (centre − 0.5, width − 1). */
  | { kind: 'linear'; center: number; width: number }
  /** LINEAR_EXACT, C.11.2.1.3.2: (x − c) / w + 0.5. */
  | { kind: 'linear-exact'; center: number; width: number }
  /** SIGMOID, C.11.2.1.3.1. */
  | { kind: 'sigmoid'; center: number; width: number }
  /** A VOI LUT; outputs scaled by 2^bits − 1. */
  | { kind: 'lut'; lut: Lut }
  /** Plain rescaling of [low, high] to [0, 1]: the actual range, or percentiles. */
  | { kind: 'range'; low: number; high: number };

function readLut(item: DataSet, signedInput: boolean): Lut | undefined {
  const descriptor = item.elements[TAG.lutDescriptor];
  const data = item.elements[TAG.lutData];
  if (!descriptor || !data || data.length === 0) return undefined;
  const count = item.uint16(TAG.lutDescriptor, 0) || 65536;
  const first = item.uint16(TAG.lutDescriptor, 1) ?? 0;
  const bits = item.uint16(TAG.lutDescriptor, 2) ?? 16;
  // The first mapped value is SS when the LUT's input may be negative.
  const firstMapped = descriptor.vr === 'SS' || signedInput ? (first << 16) >> 16 : first;
  const entries = new Float64Array(count);
  const packed8 = bits <= 8 && data.length === count; // one byte per entry
  for (let i = 0; i < count; i++) {
    entries[i] = packed8 ? item.byteArray[data.dataOffset + i] : (item.uint16(TAG.lutData, i) ?? 0);
  }
  return { firstMapped, bits, entries };
}

function firstLut(ds: DataSet, tag: string, signedInput: boolean): Lut | undefined {
  const item = ds.elements[tag]?.items?.[0]?.dataSet;
  return item ? readLut(item, signedInput) : undefined;
}

function lookUp(lut: Lut, x: number): number {
  const i = Math.round(x) - lut.firstMapped;
  return lut.entries[Math.min(lut.entries.length - 1, Math.max(0, i))];
}

/** Modality values in place: RescaleSlope × stored + RescaleIntercept, or the modality LUT. */
export function applyModality(ds: DataSet, meta: DicomMeta, values: Float64Array): void {
  const lut = firstLut(ds, TAG.modalityLutSequence, meta.pixelRepresentation === 1);
  if (lut && !ds.elements[TAG.rescaleSlope]) {
    for (let i = 0; i < values.length; i++) values[i] = lookUp(lut, values[i]);
    return;
  }
  const { rescaleSlope: slope, rescaleIntercept: intercept } = meta;
  if (slope === 1 && intercept === 0) return;
  for (let i = 0; i < values.length; i++) values[i] = values[i] * slope + intercept;
}

/** The p-th quantiles of the values of all frames (sampled beyond a million values). */
function quantiles(frames: Float64Array[], ps: number[]): number[] {
  const total = frames.reduce((n, f) => n + f.length, 0);
  const stride = Math.max(1, Math.floor(total / (1 << 20)));
  const sample: number[] = [];
  for (const f of frames) for (let i = 0; i < f.length; i += stride) sample.push(f[i]);
  const sorted = Float64Array.from(sample).sort();
  return ps.map((p) => sorted[Math.round(p * (sorted.length - 1))]);
}

function fullRange(frames: Float64Array[]): Voi {
  let low = Infinity;
  let high = -Infinity;
  for (const f of frames) {
    for (let i = 0; i < f.length; i++) {
      if (f[i] < low) low = f[i];
      if (f[i] > high) high = f[i];
    }
  }
  return { kind: 'range', low, high };
}

function fileVoi(ds: DataSet, meta: DicomMeta): Voi | undefined {
  if (meta.window && meta.window.width > 0) {
    const fn = ds.string(TAG.voiLutFunction)?.trim().toUpperCase();
    const { center, width } = meta.window;
    if (fn === 'SIGMOID') return { kind: 'sigmoid', center, width };
    if (fn === 'LINEAR_EXACT') return { kind: 'linear-exact', center, width };
    return { kind: 'linear', center, width };
  }
  const signed = meta.pixelRepresentation === 1 || meta.rescaleIntercept < 0;
  const lut = firstLut(ds, TAG.voiLutSequence, signed);
  return lut ? { kind: 'lut', lut } : undefined;
}

/**
 * The VOI transform: the caller's window, else 'auto' percentiles (0.5, 99.5), else the file's
 * first window or VOI LUT, else the actual min..max of the modality values of the frames read.
 * A degenerate range (a flat image, or equal percentiles) falls back to min..max.
 */
export function chooseVoi(
  ds: DataSet,
  meta: DicomMeta,
  opts: DicomReadOptions,
  frames: Float64Array[],
): Voi {
  const window = opts.window;
  if (window && window !== 'auto') {
    if (!(window.width >= 1) || !Number.isFinite(window.center)) {
      throw new UserError(
        `Expected a window with a finite center and a width of at least 1 but received ` +
          `center ${window.center}, width ${window.width}`,
      );
    }
    return { kind: 'linear', center: window.center, width: window.width };
  }
  if (window === 'auto') {
    const [low, high] = quantiles(frames, [0.005, 0.995]);
    if (high > low) return { kind: 'range', low, high };
    return fullRange(frames);
  }
  return fileVoi(ds, meta) ?? fullRange(frames);
}

/** One value through the VOI transform, in [0, 1]. */
function voiOf(voi: Voi, x: number): number {
  switch (voi.kind) {
    case 'linear': {
      const c = voi.center - 0.5;
      const w = voi.width - 1;
      if (x <= c - w / 2) return 0;
      if (x > c + w / 2) return 1;
      return (x - c) / w + 0.5; // w > 0 here: w = 0 leaves no x between the two bounds
    }
    case 'linear-exact':
      return Math.min(1, Math.max(0, (x - voi.center) / voi.width + 0.5));
    case 'sigmoid':
      return 1 / (1 + Math.exp((-4 * (x - voi.center)) / voi.width));
    case 'lut':
      return lookUp(voi.lut, x) / (2 ** voi.lut.bits - 1);
    case 'range':
      return voi.high > voi.low
        ? Math.min(1, Math.max(0, (x - voi.low) / (voi.high - voi.low)))
        : 0;
  }
}

/** Modality values to [0, 1], MONOCHROME1 inverted. */
export function applyVoi(values: Float64Array, voi: Voi, monochrome1: boolean): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const y = voiOf(voi, values[i]);
    out[i] = monochrome1 ? 1 - y : y;
  }
  return out;
}
