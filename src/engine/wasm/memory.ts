/**
 * Out-of-memory on the wasm backend as an error instead of corruption.
 *
 * 32-bit WebAssembly memory ends at 4 GB. When the heap cannot grow, Emscripten's malloc returns
 * 0 and BackendWasm records address 0 as the tensor's data: the next kernel overwrites the
 * module's own memory from there, and the threaded build then hangs. Checking the address where
 * the backend allocates (all tensor data comes from its JavaScript side) stops that first.
 */
import { UserError } from '../../util/errors';
import { tf } from '../tf';
import { isWasmBackend } from './kernel_util';

const GUARDED = Symbol('cyclegan-ts heap guard');

interface Malloc {
  (bytes: number): number;
  [GUARDED]?: true;
}

/** Makes every tensor allocation of the wasm `backend` throw a UserError when the heap is full. */
export function guardHeap(backend: tf.KernelBackend): void {
  if (!isWasmBackend(backend)) throw new Error('guardHeap: expected the wasm backend');
  const wasm = backend.wasm as unknown as {
    _malloc: Malloc;
    _free(address: number): void;
    HEAPU8: Uint8Array;
    wasmMemory?: WebAssembly.Memory;
  };
  if (wasm._malloc[GUARDED]) return;
  // Emscripten's export is a stub that replaces itself with the real function on its first
  // call; call it once so that the wrapper below is not replaced in turn.
  wasm._free(wasm._malloc(8));
  const malloc = wasm._malloc;
  const guarded: Malloc = (bytes: number) => {
    const address = malloc(bytes);
    if (address === 0 && bytes > 0) {
      const heap = (wasm.wasmMemory?.buffer ?? wasm.HEAPU8.buffer).byteLength;
      throw new UserError(
        `wasm backend out of memory: ${mb(bytes)} MB more did not fit in its ${mb(heap)} MB ` +
          'heap (WebAssembly memory stops at 4096 MB)',
        'train on smaller images, or use --backend onednn',
      );
    }
    return address;
  };
  guarded[GUARDED] = true;
  wasm._malloc = guarded;
}

function mb(bytes: number): number {
  return Math.round(bytes / 2 ** 20);
}
