/**
 * Parsing a data set with dicom-parser, and reading the attributes the pixel pipeline and the
 * writer need into a DicomMeta.
 */

import { inflateRawSync } from 'node:zlib';
import * as dicomParser from 'dicom-parser';
import type { DataSet } from 'dicom-parser';

import { BadImageError } from '../../util/errors';
import { CARRIED } from './attributes';
import { dicomLayout } from './detect';
import { EXPLICIT_LE, IMPLICIT_LE, transferSyntax, type TransferSyntax } from './syntax';
import type { DicomMeta } from './types';

export interface ParsedDicom {
  dataSet: DataSet;
  syntax: TransferSyntax;
}

/** Tags as dicom-parser keys them. */
export const TAG = {
  transferSyntax: 'x00020010',
  specificCharacterSet: 'x00080005',
  sopClass: 'x00080016',
  sopInstance: 'x00080018',
  modality: 'x00080060',
  imagerPixelSpacing: 'x00181164',
  studyInstance: 'x0020000d',
  seriesInstance: 'x0020000e',
  samplesPerPixel: 'x00280002',
  photometric: 'x00280004',
  planarConfiguration: 'x00280006',
  numberOfFrames: 'x00280008',
  rows: 'x00280010',
  columns: 'x00280011',
  pixelSpacing: 'x00280030',
  bitsAllocated: 'x00280100',
  bitsStored: 'x00280101',
  highBit: 'x00280102',
  pixelRepresentation: 'x00280103',
  windowCenter: 'x00281050',
  windowWidth: 'x00281051',
  rescaleIntercept: 'x00281052',
  rescaleSlope: 'x00281053',
  voiLutFunction: 'x00281056',
  lutDescriptor: 'x00283002',
  lutData: 'x00283006',
  modalityLutSequence: 'x00283000',
  voiLutSequence: 'x00283010',
  pixelData: 'x7fe00010',
  sharedFunctionalGroups: 'x52009229',
  perFrameFunctionalGroups: 'x52009230',
  pixelMeasures: 'x00289110',
  frameVoiLut: 'x00289132',
  pixelValueTransformation: 'x00289145',
} as const;

function message(thrown: unknown): string {
  // dicom-parser throws strings, Errors, or { exception, dataSet } when it stops part way.
  if (typeof thrown === 'string') return thrown;
  if (thrown instanceof Error) return thrown.message;
  if (thrown && typeof thrown === 'object' && 'exception' in thrown) {
    return message(thrown.exception);
  }
  return String(thrown);
}

function parseError(path: string, size: number, thrown: unknown): BadImageError {
  const text = message(thrown);
  if (/buffer overrun|past end|greater than or equal to 'byteArray' length|eof/i.test(text)) {
    return new BadImageError(
      path,
      `truncated DICOM file: the file ends inside an element of the data set (${size} bytes)`,
    );
  }
  if (text.includes('0002,0010')) {
    return new BadImageError(path, 'DICOM file meta information has no TransferSyntaxUID');
  }
  return new BadImageError(
    path,
    `corrupt DICOM data set: ${text.replace(/^dicomParser[\w.:]*: /, '')}`,
  );
}

/** The deflated syntax compresses everything after the file meta group (PS3.5 A.5). */
function inflateAfter(path: string) {
  return (bytes: Uint8Array, position: number): Uint8Array => {
    let inflated: Buffer;
    try {
      inflated = inflateRawSync(bytes.subarray(position));
    } catch (e) {
      throw new BadImageError(path, `corrupt deflated data set: ${message(e)}`);
    }
    const whole = Buffer.allocUnsafe(position + inflated.length);
    whole.set(bytes.subarray(0, position), 0);
    whole.set(inflated, position);
    return whole;
  };
}

/** Parses a DICOM file or bare data set; throws BadImageError when it is neither. */
export function parseDicomBytes(bytes: Uint8Array, path: string): ParsedDicom {
  const layout = dicomLayout(bytes);
  if (!layout) {
    throw new BadImageError(
      path,
      'not a DICOM file (no "DICM" marker at byte 128 and no data set at byte 0)',
    );
  }

  if (layout === 'part10' && bytes.length >= 144) {
    // (0002,0000) UL: the meta group's length; a file cut inside the group is truncated.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const isGroupLength = view.getUint32(132, true) === 0x00000002;
    if (isGroupLength && bytes.length < 144 + view.getUint32(140, true)) {
      throw new BadImageError(
        path,
        'truncated DICOM file: the file ends inside the file meta information ' +
          `(${bytes.length} bytes)`,
      );
    }
  }

  let buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (layout === 'meta-without-preamble') {
    // Give dicom-parser the preamble and marker it insists on.
    const padded = Buffer.alloc(132 + bytes.length);
    padded.write('DICM', 128, 'latin1');
    padded.set(bytes, 132);
    buffer = padded;
  }
  const options: dicomParser.ParseDicomOptions = {
    inflater: inflateAfter(path),
  };
  if (layout === 'raw-explicit') options.TransferSyntaxUID = EXPLICIT_LE;
  if (layout === 'raw-implicit') options.TransferSyntaxUID = IMPLICIT_LE;

  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(buffer, options);
  } catch (e) {
    if (e instanceof BadImageError) throw e;
    throw parseError(path, bytes.length, e);
  }
  const uid = dataSet.string(TAG.transferSyntax) ?? options.TransferSyntaxUID ?? EXPLICIT_LE;
  return { dataSet, syntax: transferSyntax(uid.replace(/\0/g, '').trim()) };
}

function numberPair(ds: DataSet, tag: string): [number, number] | undefined {
  const a = ds.floatString(tag, 0);
  const b = ds.floatString(tag, 1);
  return a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b)
    ? [a, b]
    : undefined;
}

function finite(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/** The whole value of a text element, decoded per SpecificCharacterSet, trailing pad removed. */
function text(ds: DataSet, tag: string, utf8: boolean): string | undefined {
  const el = ds.elements[tag];
  if (!el || el.length === 0 || el.length === 0xffffffff || el.items) return undefined;
  const raw = ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
  const value = Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString(
    utf8 ? 'utf8' : 'latin1',
  );
  return value.replace(/[\0 ]+$/, '');
}

function required(ds: DataSet, tag: string, name: string, path: string): number {
  const value = ds.uint16(tag);
  if (value === undefined || value === 0) {
    throw new BadImageError(path, `DICOM image has no ${name} (${tagName(tag)})`);
  }
  return value;
}

/** 'x00280010' as '(0028,0010)'. */
export function tagName(tag: string): string {
  return `(${tag.slice(1, 5)},${tag.slice(5, 9)})`.toUpperCase();
}

/**
 * Where an enhanced multi-frame object (PS3.3 C.7.6.16) keeps a functional group macro: the
 * shared functional groups, else the first frame's. Per-frame values of later frames are not
 * used: the first frame's rescale and window apply to all frames.
 */
function functionalGroup(ds: DataSet, macroTag: string): DataSet | undefined {
  for (const groupsTag of [TAG.sharedFunctionalGroups, TAG.perFrameFunctionalGroups]) {
    const groups = ds.elements[groupsTag]?.items?.[0]?.dataSet;
    const macro = groups?.elements[macroTag]?.items?.[0]?.dataSet;
    if (macro) return macro;
  }
  return undefined;
}

/** The first data set among `sets` that has `tag`: the top level, then functional groups. */
function holding(tag: string, ...sets: (DataSet | undefined)[]): DataSet | undefined {
  return sets.find((s) => s?.elements[tag] !== undefined);
}

/** Reads the image attributes; throws BadImageError when the object has no pixel data. */
export function readMeta(parsed: ParsedDicom, path: string): DicomMeta {
  const ds = parsed.dataSet;
  if (!ds.elements[TAG.pixelData]) {
    throw new BadImageError(path, 'DICOM object has no pixel data (7FE0,0010): not an image');
  }
  const rows = required(ds, TAG.rows, 'Rows', path);
  const columns = required(ds, TAG.columns, 'Columns', path);
  const bitsAllocated = required(ds, TAG.bitsAllocated, 'BitsAllocated', path);
  const bitsStored = ds.uint16(TAG.bitsStored) || bitsAllocated;
  const samplesPerPixel = ds.uint16(TAG.samplesPerPixel) || 1;
  const photometric =
    ds.string(TAG.photometric)?.trim().toUpperCase() ||
    (samplesPerPixel === 1 ? 'MONOCHROME2' : 'RGB');
  const measures = holding(TAG.pixelSpacing, ds, functionalGroup(ds, TAG.pixelMeasures));
  const rescale = holding(TAG.rescaleSlope, ds, functionalGroup(ds, TAG.pixelValueTransformation));
  const voi = holding(TAG.windowCenter, ds, functionalGroup(ds, TAG.frameVoiLut));
  const center = finite(voi?.floatString(TAG.windowCenter, 0));
  const width = finite(voi?.floatString(TAG.windowWidth, 0));

  const utf8 = (ds.string(TAG.specificCharacterSet) ?? '').includes('ISO_IR 192');
  const attributes: Record<string, string> = {};
  for (const attr of CARRIED) {
    const value = text(ds, attr.tag, utf8);
    if (value !== undefined) attributes[attr.keyword] = value;
  }

  return {
    transferSyntaxUid: parsed.syntax.uid,
    transferSyntaxName: parsed.syntax.name,
    sopClassUid: ds.string(TAG.sopClass),
    sopInstanceUid: ds.string(TAG.sopInstance),
    studyInstanceUid: ds.string(TAG.studyInstance),
    seriesInstanceUid: ds.string(TAG.seriesInstance),
    modality: ds.string(TAG.modality),
    photometric,
    rows,
    columns,
    numberOfFrames: Math.max(1, ds.intString(TAG.numberOfFrames) ?? 1),
    samplesPerPixel,
    bitsAllocated,
    bitsStored,
    highBit: ds.uint16(TAG.highBit) ?? bitsStored - 1,
    pixelRepresentation: ds.uint16(TAG.pixelRepresentation) === 1 ? 1 : 0,
    planarConfiguration: ds.uint16(TAG.planarConfiguration) === 1 ? 1 : 0,
    pixelSpacing: measures && numberPair(measures, TAG.pixelSpacing),
    imagerPixelSpacing: numberPair(ds, TAG.imagerPixelSpacing),
    // A zero slope would flatten the image; files that carry one mean 'no rescale'.
    rescaleSlope: finite(rescale?.floatString(TAG.rescaleSlope)) || 1,
    rescaleIntercept: finite(rescale?.floatString(TAG.rescaleIntercept)) ?? 0,
    window: center !== undefined && width !== undefined ? { center, width } : undefined,
    attributes,
  };
}
