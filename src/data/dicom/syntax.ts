/**
 * Transfer syntaxes: how a data set and its pixel data are encoded (PS3.5 section 10 and
 * Annex A; UIDs from PS3.6 Annex A).
 */

/** How the pixel data of a transfer syntax is turned back into samples. */
export type PixelEncoding =
  | 'native' // uncompressed, little or big endian
  | 'rle' // RLE Lossless, PS3.5 Annex G
  | 'jpeg' // JPEG baseline, extended (processes 1, 2, 4) and lossless (processes 14, SV1)
  | 'jpeg-ls'
  | 'jpeg-2000';

export interface TransferSyntax {
  uid: string;
  name: string;
  explicitVr: boolean;
  bigEndian: boolean;
  deflated: boolean;
  /** Undefined for syntaxes we recognise but cannot decode (video, HTJ2K, JPIP, ...). */
  pixels?: PixelEncoding;
}

function ts(
  uid: string,
  name: string,
  pixels: PixelEncoding | undefined,
  flags: { implicit?: boolean; bigEndian?: boolean; deflated?: boolean } = {},
): TransferSyntax {
  return {
    uid,
    name,
    explicitVr: !flags.implicit,
    bigEndian: !!flags.bigEndian,
    deflated: !!flags.deflated,
    pixels,
  };
}

export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const EXPLICIT_BE = '1.2.840.10008.1.2.2';
export const DEFLATED_LE = '1.2.840.10008.1.2.1.99';

const SYNTAXES: TransferSyntax[] = [
  ts(IMPLICIT_LE, 'Implicit VR Little Endian', 'native', { implicit: true }),
  ts(EXPLICIT_LE, 'Explicit VR Little Endian', 'native'),
  ts(DEFLATED_LE, 'Deflated Explicit VR Little Endian', 'native', { deflated: true }),
  ts(EXPLICIT_BE, 'Explicit VR Big Endian', 'native', { bigEndian: true }),
  ts('1.2.840.10008.1.2.5', 'RLE Lossless', 'rle'),
  ts('1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)', 'jpeg'),
  ts('1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)', 'jpeg'),
  ts('1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)', 'jpeg'),
  ts('1.2.840.10008.1.2.4.70', 'JPEG Lossless, Non-Hierarchical, First-Order Prediction', 'jpeg'),
  ts('1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless', 'jpeg-ls'),
  ts('1.2.840.10008.1.2.4.81', 'JPEG-LS Lossy (Near-Lossless)', 'jpeg-ls'),
  ts('1.2.840.10008.1.2.4.90', 'JPEG 2000 (Lossless Only)', 'jpeg-2000'),
  ts('1.2.840.10008.1.2.4.91', 'JPEG 2000', 'jpeg-2000'),
  ts('1.2.840.10008.1.2.4.92', 'JPEG 2000 Part 2 Multi-component (Lossless Only)', undefined),
  ts('1.2.840.10008.1.2.4.93', 'JPEG 2000 Part 2 Multi-component', undefined),
  ts('1.2.840.10008.1.2.4.94', 'JPIP Referenced', undefined),
  ts('1.2.840.10008.1.2.4.95', 'JPIP Referenced Deflate', undefined),
  ts('1.2.840.10008.1.2.4.100', 'MPEG2 Main Profile / Main Level', undefined),
  ts('1.2.840.10008.1.2.4.101', 'MPEG2 Main Profile / High Level', undefined),
  ts('1.2.840.10008.1.2.4.102', 'MPEG-4 AVC/H.264 High Profile / Level 4.1', undefined),
  ts(
    '1.2.840.10008.1.2.4.103',
    'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1',
    undefined,
  ),
  ts(
    '1.2.840.10008.1.2.4.104',
    'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video',
    undefined,
  ),
  ts(
    '1.2.840.10008.1.2.4.105',
    'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video',
    undefined,
  ),
  ts('1.2.840.10008.1.2.4.106', 'MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2', undefined),
  ts('1.2.840.10008.1.2.4.107', 'HEVC/H.265 Main Profile / Level 5.1', undefined),
  ts('1.2.840.10008.1.2.4.108', 'HEVC/H.265 Main 10 Profile / Level 5.1', undefined),
  ts('1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 (Lossless Only)', undefined),
  ts(
    '1.2.840.10008.1.2.4.202',
    'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)',
    undefined,
  ),
  ts('1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000', undefined),
];

const BY_UID = new Map(SYNTAXES.map((s) => [s.uid, s]));

/**
 * The syntax for a UID. An unknown UID gets an entry without a pixel decoder; the data set is
 * still parsed as explicit VR little endian, as PS3.5 section 10 requires of any new syntax
 * other than the few listed above.
 */
export function transferSyntax(uid: string): TransferSyntax {
  return BY_UID.get(uid) ?? ts(uid, 'unknown transfer syntax', undefined);
}

/** 'UID (name)', as error messages quote a syntax. */
export function describeSyntax(s: TransferSyntax): string {
  return `${s.uid} (${s.name})`;
}
