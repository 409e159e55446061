/** Public types of the DICOM module. */

export interface DicomReadOptions {
  /**
   * The VOI window. Default: the file's first WindowCenter/WindowWidth pair, else its first
   * VOI LUT, else the actual min..max of the modality values in the frames read.
   * 'auto': the 0.5th..99.5th percentiles of those values. {center, width}: in modality units
   * (after RescaleSlope/Intercept), applied with the DICOM linear function.
   */
  window?: 'auto' | { center: number; width: number };
  /** Decode only the first frame (default) or every frame of a multi-frame image. */
  frames?: 'first' | 'all';
}

/** What a reader learned from a file, and what the writer needs to derive an image from it. */
export interface DicomMeta {
  transferSyntaxUid: string;
  transferSyntaxName: string;
  sopClassUid?: string;
  sopInstanceUid?: string;
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  modality?: string;
  photometric: string;
  rows: number;
  columns: number;
  numberOfFrames: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: 0 | 1;
  planarConfiguration: 0 | 1;
  /** PixelSpacing (0028,0030) in mm: [between rows, between columns]. */
  pixelSpacing?: [number, number];
  /** ImagerPixelSpacing (0018,1164), for projection radiographs without PixelSpacing. */
  imagerPixelSpacing?: [number, number];
  rescaleSlope: number;
  rescaleIntercept: number;
  /** The file's first WindowCenter/WindowWidth pair. */
  window?: { center: number; width: number };
  /**
   * Other text attributes the writer may carry over, by DICOM keyword (see CARRIED in
   * attributes.ts). Identifying ones are written only with keepIdentifiers.
   */
  attributes: Record<string, string>;
}

export interface DicomImage {
  width: number;
  height: number;
  channels: 1 | 3;
  /** One HWC array per frame read, values in [0, 1] (1 is bright, as in MONOCHROME2). */
  frames: Float32Array[];
  meta: DicomMeta;
}
