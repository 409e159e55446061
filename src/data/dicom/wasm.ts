/**
 * Loading the Cornerstone codecs (Emscripten builds of libjpeg-turbo, CharLS and OpenJPEG)
 * synchronously from their .wasm files in node_modules, so that readDicom can stay synchronous
 * and nothing is fetched. Each module is compiled and instantiated once per process, on first
 * use, and then shared by every file: like a loaded library, not a cache of results.
 */

import { readFileSync } from 'node:fs';

/** A decoder object living in wasm memory; `delete()` frees it. */
interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array | Uint8ClampedArray;
  decode(): void;
  delete(): void;
}

export interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

export interface JpegTurboDecoder extends WasmDecoder {
  readHeader(): void;
  getFrameInfo(): FrameInfo;
}

export interface CharlsDecoder extends WasmDecoder {
  getFrameInfo(): FrameInfo;
  /** 0: none (one plane after another), 1: line, 2: sample. */
  getInterleaveMode(): number;
}

export interface OpenJpegDecoder extends WasmDecoder {
  getFrameInfo(): FrameInfo;
}

/** What an Emscripten module factory accepts and fills in. */
interface ModuleArg {
  print: (text: string) => void;
  printErr: (text: string) => void;
  instantiateWasm: (
    imports: WebAssembly.Imports,
    receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => unknown,
  ) => unknown;
  [exported: string]: unknown;
}

/** A loaded codec: its decoder class and the last lines it printed to stderr. */
export interface WasmCodec<D> {
  create(): D;
  /** What the codec printed to stderr since the last call, for error messages. */
  takeErrors(): string;
}

function load<D>(spec: string, className: string): WasmCodec<D> {
  const script = require.resolve(spec);
  const factory: unknown = require(script);
  if (typeof factory !== 'function') throw new Error(`${spec} does not export a module factory`);
  const compiled = new WebAssembly.Module(readFileSync(script.replace(/\.js$/, '.wasm')));
  let errors: string[] = [];
  const moduleArg: ModuleArg = {
    print: () => {}, // OpenJPEG reports progress on stdout
    printErr: (line) => {
      errors.push(line);
      if (errors.length > 20) errors.shift();
    },
    // Instantiating synchronously lets the runtime start inside the factory call, so the
    // classes are on moduleArg when it returns (the promise it also returns is not needed).
    instantiateWasm: (imports, receive) =>
      receive(new WebAssembly.Instance(compiled, imports), compiled),
  };
  const ready: unknown = factory(moduleArg);
  if (ready instanceof Promise) ready.catch(() => {});
  const Decoder = moduleArg[className];
  if (typeof Decoder !== 'function') {
    throw new Error(`${spec} did not start synchronously: ${className} is missing`);
  }
  // The class comes from untyped JavaScript; the interfaces above are its documented API.
  const Class = Decoder as new () => D;
  return {
    create: () => new Class(),
    takeErrors: () => {
      const text = errors.join(' ').trim();
      errors = [];
      return text;
    },
  };
}

/** Lazily loaded codecs, one instance of each per process. */
class Codecs {
  private jpeg?: WasmCodec<JpegTurboDecoder>;
  private jpegLs?: WasmCodec<CharlsDecoder>;
  private j2k?: WasmCodec<OpenJpegDecoder>;

  get libjpegTurbo(): WasmCodec<JpegTurboDecoder> {
    this.jpeg ??= load('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', 'JPEGDecoder');
    return this.jpeg;
  }

  get charls(): WasmCodec<CharlsDecoder> {
    this.jpegLs ??= load('@cornerstonejs/codec-charls/decodewasmjs', 'JpegLSDecoder');
    return this.jpegLs;
  }

  get openjpeg(): WasmCodec<OpenJpegDecoder> {
    this.j2k ??= load('@cornerstonejs/codec-openjpeg/decodewasmjs', 'J2KDecoder');
    return this.j2k;
  }
}

export const codecs = new Codecs();

/**
 * Runs one decode on a fresh decoder: copies the code stream in, decodes, copies the samples
 * out (the wasm buffer dies with the decoder) and frees the decoder.
 */
export function runDecoder<D extends WasmDecoder, R>(
  codec: WasmCodec<D>,
  stream: Uint8Array,
  read: (decoder: D, samples: Uint8Array) => R,
): R {
  const decoder = codec.create();
  try {
    decoder.getEncodedBuffer(stream.length).set(stream);
    codec.takeErrors();
    decoder.decode();
    return read(decoder, new Uint8Array(decoder.getDecodedBuffer()));
  } catch (e) {
    // C++ exceptions reach JavaScript as bare numbers; the codec's own words are on stderr.
    const said = codec.takeErrors();
    const reason = e instanceof Error ? e.message : said || 'the decoder rejected the stream';
    throw new Error(said && e instanceof Error ? `${reason} (${said})` : reason, { cause: e });
  } finally {
    decoder.delete();
  }
}
