/** The common shape of a decoded frame, between the codecs and the pixel pipeline. */
export interface DecodedFrame {
  /** Sample containers in little endian order. */
  data: Uint8Array;
  bytesPerSample: 1 | 2 | 4;
  /** All samples of the first colour, then the second, ... (else pixel by pixel). */
  planar: boolean;
  /** The codec already turned YCbCr (JPEG) or ICT/RCT (JPEG 2000) into RGB. */
  rgb: boolean;
  /**
   * Native data: the stored bits sit at HighBit within the container, with anything else in the
   * spare bits. Decoded code streams hold plain BitsStored-bit values.
   */
  highBitApplies: boolean;
  /** What the code stream's own header says, to check against Rows, Columns, SamplesPerPixel. */
  header?: { width: number; height: number; components: number };
}
