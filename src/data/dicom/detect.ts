/**
 * Finding DICOM by content. A file is DICOM when it has the Part 10 'DICM' marker at byte 128,
 * or when it starts straight away with a plausible element: the file meta group without its
 * preamble, or a bare data set as some older systems and DIMSE dumps write (PS3.10 7.1).
 */

export type DicomLayout =
  | 'part10' // 128-byte preamble, 'DICM', file meta group, data set
  | 'meta-without-preamble' // file meta group at byte 0
  | 'raw-explicit' // data set at byte 0, explicit VR little endian
  | 'raw-implicit'; // data set at byte 0, implicit VR little endian

const VRS = new Set(
  (
    'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL ' +
    'UN UR US UT UV'
  ).split(' '),
);

function hasMarker(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 132 &&
    bytes[128] === 0x44 && // D
    bytes[129] === 0x49 && // I
    bytes[130] === 0x43 && // C
    bytes[131] === 0x4d // M
  );
}

function vrAt(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset], bytes[offset + 1]);
}

/** How the bytes hold a data set, or undefined when they are not DICOM. */
export function dicomLayout(bytes: Uint8Array): DicomLayout | undefined {
  if (hasMarker(bytes)) return 'part10';
  if (bytes.length < 8) return undefined;

  // The first element's group (little endian) must be the file meta group or the
  // identifying group; then either a VR follows (explicit) or a 32-bit length (implicit).
  const group = bytes[0] | (bytes[1] << 8);
  if (group !== 0x0002 && group !== 0x0008) return undefined;
  if (VRS.has(vrAt(bytes, 4))) return group === 0x0002 ? 'meta-without-preamble' : 'raw-explicit';
  if (group === 0x0002) return undefined; // the file meta group is always explicit VR

  // Implicit VR: a 32-bit length that fits in the file (an SQ may have undefined length).
  const length = (bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24)) >>> 0;
  if (length === 0xffffffff || 8 + length <= bytes.length) return 'raw-implicit';
  return undefined;
}

/** True when the bytes are a DICOM file or data set, judged by content alone. */
export function isDicom(bytes: Uint8Array): boolean {
  return dicomLayout(bytes) !== undefined;
}
