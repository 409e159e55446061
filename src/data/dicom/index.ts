/**
 * DICOM in and out: find DICOM files by content, decode their pixels to [0, 1] through the
 * standard's pipeline, and write derived images back.
 */

export { isDicom } from './detect';
export { readDicom } from './read';
export { writeDicom, type DicomWriteOptions, type DicomWriteImage } from './write';
export { describeSyntax, transferSyntax } from './syntax';
export type { DicomImage, DicomMeta, DicomReadOptions } from './types';
