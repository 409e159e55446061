/** JPEG 2000 code streams for the tests, from OpenJPEG's encoder (the full wasm build). */

import { readFileSync } from 'node:fs';

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned: boolean;
}

interface Encoder {
  getDecodedBuffer(info: FrameInfo): Uint8Array;
  getEncodedBuffer(): Uint8Array;
  encode(): void;
  setDecompositions(levels: number): void;
  delete(): void;
}

let encoderClass: Promise<new () => Encoder> | undefined;

async function loadEncoder(): Promise<new () => Encoder> {
  const script = require.resolve('@cornerstonejs/codec-openjpeg/wasmjs');
  const factory: unknown = require(script);
  if (typeof factory !== 'function') throw new Error('no OpenJPEG factory');
  const wasmBinary = readFileSync(script.replace(/\.js$/, '.wasm'));
  const module: { J2KEncoder?: new () => Encoder } = await factory({
    wasmBinary,
    print: () => {},
    printErr: () => {},
  });
  if (!module.J2KEncoder) throw new Error('OpenJPEG build has no encoder');
  return module.J2KEncoder;
}

/** A lossless (reversible) JPEG 2000 code stream of interleaved sample values. */
export async function readStream(values: number[], info: FrameInfo): Promise<Uint8Array> {
  encoderClass ??= loadEncoder();
  const encoder = new (await encoderClass)();
  try {
    const bytesPerSample = info.bitsPerSample > 8 ? 2 : 1;
    const input = encoder.getDecodedBuffer(info);
    const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
    values.forEach((v, i) => {
      if (bytesPerSample === 1) view.setUint8(i, v & 0xff);
      else view.setUint16(2 * i, v & 0xffff, true);
    });
    // OpenJPEG's default of 5 levels needs at least 32 pixels on each side.
    encoder.setDecompositions(2);
    encoder.encode();
    return encoder.getEncodedBuffer().slice();
  } finally {
    encoder.delete();
  }
}
