/** JPEG-LS (ITU T.87) frames through CharLS. */

import type { DecodedFrame } from './decoded';
import { codecs, runDecoder } from './wasm';

export function decodeJpegLs(stream: Uint8Array): DecodedFrame {
  return runDecoder(codecs.charls, stream, (decoder, samples) => {
    const info = decoder.getFrameInfo();
    return {
      data: samples,
      bytesPerSample: info.bitsPerSample > 8 ? 2 : 1,
      // Without interleaving CharLS hands back one plane per component; line- and
      // sample-interleaved streams come back pixel by pixel.
      planar: info.componentCount > 1 && decoder.getInterleaveMode() === 0,
      rgb: false,
      highBitApplies: false,
      header: { width: info.width, height: info.height, components: info.componentCount },
    };
  });
}
