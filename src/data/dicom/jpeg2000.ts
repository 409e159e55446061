/** JPEG 2000 (ISO 15444-1) frames through OpenJPEG. */

import type { DecodedFrame } from './decoded';
import { codecs, runDecoder } from './wasm';

export function decodeJpeg2000(stream: Uint8Array): DecodedFrame {
  return runDecoder(codecs.openjpeg, stream, (decoder, samples) => {
    const info = decoder.getFrameInfo();
    if (info.width === 0 || samples.length === 0) throw new Error('OpenJPEG decoded no image');
    return {
      data: samples,
      bytesPerSample: info.bitsPerSample > 8 ? 2 : 1,
      planar: false,
      // OpenJPEG undoes the multiple component transform (YBR_ICT / YBR_RCT) itself.
      rgb: info.componentCount === 3,
      highBitApplies: false,
      header: { width: info.width, height: info.height, components: info.componentCount },
    };
  });
}
