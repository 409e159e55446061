/**
 * writeDicom: a translated image as a DICOM Secondary Capture file (explicit VR little endian)
 * derived from its source: new UIDs, ImageType DERIVED\SECONDARY, a DerivationDescription, a
 * SourceImageSequence, and the source's identifiers removed unless asked to keep them
 * (PS3.15 Annex E, basic profile; see attributes.ts). Encoding by dcmjs.
 */

import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import * as dcmjs from 'dcmjs';

import { UserError } from '../../util/errors';
import { CARRIED } from './attributes';
import { EXPLICIT_LE } from './syntax';
import type { DicomMeta } from './types';
import {
  IMPLEMENTATION_CLASS_UID,
  IMPLEMENTATION_VERSION_NAME,
  derivedUid,
  randomUid,
} from './uid';

const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';

/** An image to write: HWC, values in [-1, 1] as the generator produces them. */
export interface DicomWriteImage {
  data: Float32Array;
  height: number;
  width: number;
  channels: 1 | 3;
}

export interface DicomWriteOptions {
  /** Bits per sample: 8 or 16 (greyscale or RGB). */
  bits: 8 | 16;
  /** The image this one was translated from: size, spacing, UIDs, carried attributes. */
  source?: DicomMeta;
  /** What made the image, written to DerivationDescription. */
  derivation: { model: string; checkpoint: string; direction: string };
  /** Keep patient, institution and date attributes of the source (default: remove them). */
  keepIdentifiers?: boolean;
  /**
   * UIDs of the new study and series. Default: derived from the source's study and series UIDs
   * and the derivation, so that one source series translated one way gives one new series;
   * random when there is no source.
   */
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
}

function validate(image: DicomWriteImage, opts: DicomWriteOptions): void {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new UserError(
      `Expected a positive integer width and height but received ${width}x${height}`,
    );
  }
  if (width > 65535 || height > 65535) {
    throw new UserError(
      `Expected a width and height of at most 65535 but received ${width}x${height}`,
    );
  }
  if (channels !== 1 && channels !== 3) {
    throw new UserError(`Expected 1 or 3 channels but received ${channels}`);
  }
  if (data.length !== width * height * channels) {
    throw new UserError(
      `Expected ${width * height * channels} values for ${height}x${width}x${channels} ` +
        `but received ${data.length}`,
    );
  }
  if (opts.bits !== 8 && opts.bits !== 16) {
    throw new UserError(`Expected bits 8 or 16 but received ${opts.bits}`);
  }
}

/** [-1, 1] to unsigned samples of `bits` bits; NaN becomes 0, values outside are clipped. */
function quantize(data: Float32Array, bits: 8 | 16): ArrayBuffer {
  const max = 2 ** bits - 1;
  const buffer = new ArrayBuffer((data.length * bits) / 8);
  const out = bits === 8 ? new Uint8Array(buffer) : new Uint16Array(buffer);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    const unit = v > -1 ? (v < 1 ? (v + 1) / 2 : 1) : 0;
    out[i] = Math.round(unit * max);
  }
  // Little endian host: the typed array's bytes are the little-endian samples.
  return buffer;
}

function derivationText(d: DicomWriteOptions['derivation']): string {
  const text =
    `CycleGAN translation (cyclegan-ts): model ${d.model}; checkpoint ${d.checkpoint}; ` +
    `direction ${d.direction}`;
  return text.length <= 1024 ? text : `${text.slice(0, 1021)}...`; // ST holds 1024 characters
}

/** Spacing per pixel, scaled when the image was resized from the source. */
function scaledSpacing(
  spacing: [number, number] | undefined,
  source: DicomMeta,
  image: DicomWriteImage,
): string[] | undefined {
  if (!spacing) return undefined;
  const row = (spacing[0] * source.rows) / image.height;
  const column = (spacing[1] * source.columns) / image.width;
  return [row, column].map((v) => Number(v.toPrecision(10)).toString().slice(0, 16));
}

function splitValues(value: string): string | string[] {
  return value.includes('\\') ? value.split('\\') : value;
}

/** The data set, keyed by DICOM keyword (dcmjs's naturalized form). */
function buildDataSet(image: DicomWriteImage, opts: DicomWriteOptions): dcmjs.NaturalDataset {
  const source = opts.source;
  const keep = opts.keepIdentifiers === true;
  const description = derivationText(opts.derivation);
  const grey = image.channels === 1;
  const ds: dcmjs.NaturalDataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    ImageType: ['DERIVED', 'SECONDARY'],
    SOPClassUID: SECONDARY_CAPTURE,
    SOPInstanceUID: randomUid(),
    Modality: 'OT',
    ConversionType: 'SYN',
    SecondaryCaptureDeviceManufacturer: 'cyclegan-ts',
    DerivationDescription: description,
    SeriesNumber: '',
    InstanceNumber: '',
    PatientOrientation: '',
  };

  // Attributes carried from the source; identifying ones only when kept, some left empty.
  for (const attr of CARRIED) {
    const value = source?.attributes[attr.keyword];
    if (value !== undefined && (keep || !attr.identifying)) ds[attr.keyword] = splitValues(value);
    else if (attr.emptyWhenRemoved) ds[attr.keyword] = '';
  }
  if (!keep) {
    ds.PatientIdentityRemoved = 'YES';
    ds.DeidentificationMethod =
      'PS3.15 Annex E Basic Application Level Confidentiality Profile by cyclegan-ts: ' +
      'patient, institution and date attributes removed, new UIDs, nothing else copied';
    ds.DeidentificationMethodCodeSequence = [
      {
        CodeValue: '113100',
        CodingSchemeDesignator: 'DCM',
        CodeMeaning: 'Basic Application Confidentiality Profile',
      },
    ];
    ds.LongitudinalTemporalInformationModified = 'REMOVED';
  }

  // New study and series: stable per source series and derivation.
  ds.StudyInstanceUID =
    opts.studyInstanceUid ??
    (source?.studyInstanceUid
      ? derivedUid('study', source.studyInstanceUid, description)
      : randomUid());
  ds.SeriesInstanceUID =
    opts.seriesInstanceUid ??
    (source?.seriesInstanceUid
      ? derivedUid('series', source.seriesInstanceUid, description)
      : randomUid());
  if (source?.sopClassUid && source.sopInstanceUid) {
    ds.SourceImageSequence = [
      {
        ReferencedSOPClassUID: source.sopClassUid,
        ReferencedSOPInstanceUID: source.sopInstanceUid,
      },
    ];
  }

  // Image pixel module.
  ds.SamplesPerPixel = image.channels;
  ds.PhotometricInterpretation = grey ? 'MONOCHROME2' : 'RGB';
  if (!grey) ds.PlanarConfiguration = 0;
  ds.Rows = image.height;
  ds.Columns = image.width;
  ds.BitsAllocated = opts.bits;
  ds.BitsStored = opts.bits;
  ds.HighBit = opts.bits - 1;
  ds.PixelRepresentation = 0;
  if (source) {
    const spacing = scaledSpacing(source.pixelSpacing, source, image);
    const imager = scaledSpacing(source.imagerPixelSpacing, source, image);
    if (spacing) ds.PixelSpacing = spacing;
    if (imager) ds.ImagerPixelSpacing = imager;
  }
  if (grey) {
    // The full range under the linear VOI function, so viewers show what the model made.
    ds.WindowCenter = String(2 ** (opts.bits - 1));
    ds.WindowWidth = String(2 ** opts.bits);
  }
  ds.PixelData = [quantize(image.data, opts.bits)];
  ds._vrMap = { PixelData: opts.bits === 8 ? 'OB' : 'OW' };
  return ds;
}

/** The bytes of a DICOM Part 10 file holding the image (see writeDicom). */
export function encodeDicom(image: DicomWriteImage, opts: DicomWriteOptions): Uint8Array {
  validate(image, opts);
  const ds = buildDataSet(image, opts);
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const dict = new DicomDict(
    DicomMetaDictionary.denaturalizeDataset({
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: ds.SOPClassUID,
      MediaStorageSOPInstanceUID: ds.SOPInstanceUID,
      TransferSyntaxUID: EXPLICIT_LE,
      ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
      ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
    }),
  );
  dict.dict = DicomMetaDictionary.denaturalizeDataset(ds);
  return new Uint8Array(dict.write());
}

/**
 * Writes `image` (HWC, values in [-1, 1]) to `path` as a derived DICOM Secondary Capture
 * image: 8- or 16-bit MONOCHROME2 or RGB, spacing from the source (scaled if the size differs),
 * identifiers removed unless `keepIdentifiers`. Atomic: written under a temporary name in the
 * same folder, then renamed.
 */
export async function writeDicom(
  path: string,
  image: DicomWriteImage,
  opts: DicomWriteOptions,
): Promise<void> {
  const bytes = encodeDicom(image, opts);
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch (e) {
    await unlink(temporary).catch(() => {});
    throw e;
  }
}
