/** Making DICOM files for the tests: dcmjs writes them, dcmtk transcodes them when present. */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dcmjs from 'dcmjs';

export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const IMPLICIT_LE = '1.2.840.10008.1.2';

export interface Synthetic {
  rows: number;
  columns: number;
  /** Container values of all samples of all frames, in file order (negative: two's complement). */
  pixels: ArrayLike<number>;
  bitsAllocated?: 8 | 16 | 32;
  bitsStored?: number;
  highBit?: number;
  signed?: boolean;
  samplesPerPixel?: 1 | 3;
  photometric?: string;
  planarConfiguration?: 0 | 1;
  frames?: number;
  transferSyntax?: string;
  /** Encapsulated frames instead of `pixels` (the syntax must then be an encapsulated one). */
  encapsulated?: Uint8Array[];
  /** More attributes by keyword (dcmjs naturalized form). */
  extra?: dcmjs.NaturalDataset;
  /** Leave out Pixel Data. */
  noPixelData?: boolean;
}

function container(values: ArrayLike<number>, bits: 8 | 16 | 32): ArrayBuffer {
  const buffer = new ArrayBuffer((values.length * bits) / 8);
  const view = new DataView(buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (bits === 8) view.setUint8(i, v & 0xff);
    else if (bits === 16) view.setUint16(2 * i, v & 0xffff, true);
    else view.setUint32(4 * i, v >>> 0, true);
  }
  return buffer;
}

function copy(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.length);
  new Uint8Array(out).set(bytes);
  return out;
}

/** A DICOM Part 10 file (Secondary Capture) holding the synthetic image. */
export function makeDicom(s: Synthetic): Uint8Array {
  const bitsAllocated = s.bitsAllocated ?? 16;
  const bitsStored = s.bitsStored ?? bitsAllocated;
  const spp = s.samplesPerPixel ?? 1;
  const syntax = s.transferSyntax ?? EXPLICIT_LE;
  const ds: dcmjs.NaturalDataset = {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
    SOPInstanceUID: '2.25.111',
    StudyInstanceUID: '2.25.222',
    SeriesInstanceUID: '2.25.333',
    Modality: 'OT',
    PatientName: 'Test^Patient',
    PatientID: 'PID-0001',
    Rows: s.rows,
    Columns: s.columns,
    SamplesPerPixel: spp,
    PhotometricInterpretation: s.photometric ?? (spp === 1 ? 'MONOCHROME2' : 'RGB'),
    BitsAllocated: bitsAllocated,
    BitsStored: bitsStored,
    HighBit: s.highBit ?? bitsStored - 1,
    PixelRepresentation: s.signed ? 1 : 0,
    ...s.extra,
  };
  if (spp === 3) ds.PlanarConfiguration = s.planarConfiguration ?? 0;
  if (s.frames !== undefined) ds.NumberOfFrames = String(s.frames);
  if (!s.noPixelData) {
    ds.PixelData = s.encapsulated ? s.encapsulated.map(copy) : [container(s.pixels, bitsAllocated)];
    ds._vrMap = { PixelData: bitsAllocated === 8 || s.encapsulated ? 'OB' : 'OW' };
  }
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const dict = new DicomDict(
    DicomMetaDictionary.denaturalizeDataset({
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: ds.SOPClassUID,
      MediaStorageSOPInstanceUID: ds.SOPInstanceUID,
      TransferSyntaxUID: syntax,
      ImplementationClassUID: '2.25.1',
    }),
  );
  dict.dict = DicomMetaDictionary.denaturalizeDataset(ds);
  return new Uint8Array(dict.write({ fragmentMultiframe: false }));
}

/** Why dcmtk tests skip, or false when dcmtk's tools are on the PATH. */
export const noDcmtk: string | false =
  spawnSync('dcmdump', ['--version']).error !== undefined
    ? 'dcmtk is not installed (apt-get install dcmtk)'
    : false;

/** A temporary folder for one test file, removed by the returned function. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cyclegan-dicom-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a dcmtk tool; throws with its stderr when it fails. */
export function run(tool: string, args: string[]): string {
  const r = spawnSync(tool, args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Runs `tool [args] in out` on the bytes and returns the output file's bytes. */
export function transcode(bytes: Uint8Array, tool: string, args: string[] = []): Uint8Array {
  const { dir, remove } = tempDir();
  try {
    const input = join(dir, 'in.dcm');
    const output = join(dir, 'out.dcm');
    writeFileSync(input, bytes);
    run(tool, [...args, input, output]);
    return new Uint8Array(readFileSync(output));
  } finally {
    remove();
  }
}

/** The largest absolute difference between two arrays of equal length. */
export function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** A deterministic test pattern of `count` values in [0, 2^bits). */
export function pattern(count: number, bits: number, seed = 1): number[] {
  const out: number[] = [];
  const range = 2 ** bits;
  let s = seed;
  for (let i = 0; i < count; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    // Smooth ramp plus a little noise, so lossy codecs have something natural to compress.
    out.push(Math.floor(((i % 37) / 37) * range * 0.8 + (s % Math.max(1, range / 16))) % range);
  }
  return out;
}
