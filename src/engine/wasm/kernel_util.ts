/**
 * Shared helpers of the kernels we add to the wasm backend: typed kernel configs, calls into
 * the backend's own (XNNPACK) kernels without going through the engine, and views of tensor
 * data on the wasm heap.
 *
 * Only types come from `@tensorflow/tfjs-backend-wasm` here: importing the package registers
 * the 'wasm' backend as a side effect, which is backend.ts's decision to make.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import { tf } from '../tf';

export const BACKEND_NAME = 'wasm';

export interface KernelArgs<I, A> {
  inputs: I;
  backend: BackendWasm;
  attrs: A;
}

type Result = tf.TensorInfo | tf.TensorInfo[];

export function isWasmBackend(backend: unknown): backend is BackendWasm {
  return (
    typeof backend === 'object' && backend !== null && 'wasm' in backend && 'dataIdMap' in backend
  );
}

/**
 * A kernel config for the wasm backend from a function with typed inputs and attributes.
 * TensorFlow.js hands kernels untyped maps; the kernel's name fixes what they hold, so this is
 * the one place that narrows them.
 */
export function wasmKernel<I, A>(
  kernelName: string,
  fn: (args: KernelArgs<I, A>) => Result,
  setupFunc?: (backend: BackendWasm) => void,
): tf.KernelConfig {
  const config: tf.KernelConfig = {
    kernelName,
    backendName: BACKEND_NAME,
    kernelFunc: ({ inputs, backend, attrs }) => {
      if (!isWasmBackend(backend)) {
        throw new Error(`${kernelName}: expected the wasm backend, received another backend`);
      }
      return fn({ inputs: inputs as unknown as I, backend, attrs: (attrs ?? {}) as unknown as A });
    },
  };
  if (setupFunc !== undefined) {
    config.setupFunc = (backend) => {
      if (isWasmBackend(backend)) setupFunc(backend);
    };
  }
  return config;
}

/**
 * Runs one of the wasm backend's own kernels on tensors it holds, bypassing the engine (no
 * tape, no tensor tracking): the caller frees the result with `dispose` unless it returns it.
 */
export function run(
  backend: BackendWasm,
  kernelName: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: object = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, BACKEND_NAME);
  if (kernel === undefined) throw new Error(`wasm backend has no ${kernelName} kernel`);
  const out = kernel.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  if (Array.isArray(out)) throw new Error(`${kernelName}: expected one output`);
  return out;
}

/** Frees intermediates made by `run` or `makeOutput` (shared data is reference counted). */
export function dispose(backend: BackendWasm, ...infos: Array<tf.TensorInfo | null>): void {
  for (const info of infos) if (info !== null) backend.disposeData(info.dataId);
}

/**
 * The whole wasm heap as floats. Any allocation on the heap (makeOutput, a kernel call) may grow
 * it and detach earlier views, so take the view after the last allocation and do not keep it.
 */
export function heapF32(backend: BackendWasm): Float32Array {
  const wasm = backend.wasm as { HEAPF32: Float32Array; wasmMemory?: WebAssembly.Memory };
  // With threads the memory can grow without the main thread's views being refreshed.
  const buffer = wasm.wasmMemory?.buffer ?? wasm.HEAPF32.buffer;
  return buffer === wasm.HEAPF32.buffer ? wasm.HEAPF32 : new Float32Array(buffer);
}

/** Index of a float32 tensor's first element in `heapF32`. */
export function f32Offset(backend: BackendWasm, info: tf.TensorInfo): number {
  if (info.dtype !== 'float32')
    throw new Error(`expected a float32 tensor, received ${info.dtype}`);
  return backend.dataIdMap.get(info.dataId)!.memoryOffset / 4;
}

/**
 * A float32 copy of `info` with its own data id, in `shape` (same size). XNNPACK operators
 * that the backend caches on a filter or matrix id live until that id is freed: handing them a
 * copy that the kernel frees at once keeps their packed weights from piling up while the
 * original (often a gradient, kept to the end of the backward pass) lives on.
 */
export function privateCopy(
  backend: BackendWasm,
  info: tf.TensorInfo,
  shape: number[] = info.shape,
): tf.TensorInfo {
  const copy = backend.makeOutput(shape, 'float32');
  const heap = heapF32(backend);
  const from = f32Offset(backend, info);
  heap.copyWithin(f32Offset(backend, copy), from, from + tf.util.sizeFromShape(info.shape));
  return copy;
}

/** The 4 dimensions of a rank-4 shape, or an error naming the kernel and the input. */
export function shape4D(
  shape: number[],
  kernelName: string,
  input: string,
): [number, number, number, number] {
  if (shape.length !== 4) {
    throw new Error(`${kernelName}: ${input} must be rank 4, received shape [${shape}]`);
  }
  return [shape[0], shape[1], shape[2], shape[3]];
}

/** Copies `count` floats inside the heap; short runs by hand, where a call costs more. */
export function copyFloats(heap: Float32Array, to: number, from: number, count: number): void {
  if (count >= 16) {
    heap.copyWithin(to, from, from + count);
  } else {
    for (let i = 0; i < count; i++) heap[to + i] = heap[from + i];
  }
}
