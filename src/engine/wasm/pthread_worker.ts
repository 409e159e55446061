/**
 * Entry script of the threaded wasm backend's workers on Node (see threads.ts).
 *
 * The package ships Emscripten's pthread worker only as a string in a CommonJS module, meant
 * for a Blob URL, which Node's Worker cannot open; this file is the path we give Node instead.
 * The source uses `require` and `__filename` on Node, so it gets this module's. Its string
 * came from a template literal that turned two `\n` escapes into raw newlines inside string
 * literals; they are escaped back before the source is compiled.
 */
const { wasmWorkerContents } =
  require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as {
    wasmWorkerContents: string;
  };

const start = new Function('require', '__filename', wasmWorkerContents.replace(/\n/g, '\\n'));
start(require, __filename);
