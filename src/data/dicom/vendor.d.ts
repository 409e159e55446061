// Type declarations for the parts of two untyped packages that the DICOM module uses.
// dcmjs ships no declarations; jpeg-lossless-decoder-js names a declaration file it does not ship.

declare module 'dcmjs' {
  /** A data set keyed by DICOM keyword, as dcmjs's "naturalized" form. */
  export interface NaturalDataset {
    [keyword: string]: unknown;
  }

  /** A data set keyed by tag hex ('00100010'), each element { vr, Value }. */
  export interface DenaturalizedDataset {
    [tag: string]: { vr: string; Value?: unknown[] };
  }

  export class DicomDict {
    constructor(meta: DenaturalizedDataset);
    dict: DenaturalizedDataset;
    write(options?: { allowInvalidVRLength?: boolean; fragmentMultiframe?: boolean }): ArrayBuffer;
  }

  export const data: {
    DicomDict: typeof DicomDict;
    DicomMetaDictionary: {
      denaturalizeDataset(dataset: NaturalDataset): DenaturalizedDataset;
    };
  };
}

declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    constructor();
    /** Decodes one JPEG lossless (process 14) stream; samples of 1 or 2 bytes, interleaved. */
    decode(
      buffer: ArrayBufferLike,
      offset: number,
      length: number,
      numBytes?: number,
    ): Uint8Array | Uint16Array;
    numComp: number;
    xDim: number;
    yDim: number;
    precision: number | undefined;
  }
}
