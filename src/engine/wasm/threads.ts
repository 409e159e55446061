/**
 * The threaded build of the wasm backend (pthreads + SIMD, XNNPACK's thread pool) on Node.
 *
 * `@tensorflow/tfjs-backend-wasm` ships this build (wasm-out/tfjs-backend-wasm-threaded-simd.*)
 * but never uses it on Node: its thread-support flag is hard-wired to false there, and its
 * loader hands Emscripten's workers a Blob URL that Node's Worker cannot open. So we load it
 * here and register it under the same name, 'wasm', so every wasm kernel (the package's and
 * ours) runs on it unchanged:
 * - the workers start from pthread_worker.js, which runs the package's worker source;
 * - they load the factory script by file path, which Emscripten's Node branch supports;
 * - XNNPACK sizes its pool from the core count the module reports, halved (it assumes two
 *   hyper-threads per core) and capped at 8, so the module is told 2 × `threads` cores.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import { tf } from '../tf';
import { BACKEND_NAME } from './kernel_util';

const PACKAGE_DIR = 'wasm-out';
const FACTORY = 'tfjs-backend-wasm-threaded-simd.js';
const BINARY = 'tfjs-backend-wasm-threaded-simd.wasm';

/** The package's own priority for 'wasm'. */
const WASM_PRIORITY = 2;

/** The parts of the Emscripten module we touch; BackendWasm uses the rest. */
interface ThreadedModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  PThread: {
    runningWorkers: Array<{ unref(): void }>;
    unusedWorkers: Array<{ terminate(): Promise<number> }>;
  };
  tfjs?: Record<string, (...args: number[]) => number>;
}

interface WasmImports {
  env: Record<string, unknown>;
}

interface FactoryConfig {
  locateFile(file: string, prefix: string): string;
  mainScriptUrlOrBlob: string;
  instantiateWasm(
    imports: WasmImports,
    receiveInstance: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
  ): object;
}

function packageFile(file: string): string {
  return require.resolve(`@tensorflow/tfjs-backend-wasm/${PACKAGE_DIR}/${file}`);
}

/** Instantiates the threaded module with `threads` threads' worth of reported cores. */
async function loadModule(threads: number): Promise<ThreadedModule> {
  const workerPath = path.join(__dirname, 'pthread_worker.js');
  // A worker that fails to start throws from an event handler, out of reach of this function.
  if (!fs.existsSync(workerPath)) throw new Error(`wasm thread worker missing: ${workerPath}`);
  const factoryPath = packageFile(FACTORY);
  const factory = require(factoryPath) as (config: FactoryConfig) => Promise<ThreadedModule>;
  const binary = fs.readFileSync(packageFile(BINARY));

  // Emscripten's Node glue adds process handlers that rethrow every uncaught error from its
  // one-line minified script, so Node would print that whole line (~100 kB) with any crash.
  const uncaught = process.listeners('uncaughtException');
  const unhandled = process.listeners('unhandledRejection');

  // Emscripten never settles its promise when our instantiateWasm fails, so race a rejection.
  let fail: (error: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  const module = await Promise.race([
    factory({
      locateFile: (file) =>
        file.endsWith('.worker.js') ? workerPath : path.join(path.dirname(factoryPath), file),
      mainScriptUrlOrBlob: factoryPath,
      instantiateWasm: (imports, receiveInstance) => {
        imports.env.emscripten_num_logical_cores = () => 2 * threads;
        WebAssembly.instantiate(binary, imports as unknown as WebAssembly.Imports).then(
          (result) => receiveInstance(result.instance, result.module),
          fail,
        );
        return {};
      },
    }),
    failed,
  ]).finally(() => {
    for (const listener of process.listeners('uncaughtException')) {
      if (!uncaught.includes(listener)) process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!unhandled.includes(listener)) process.removeListener('unhandledRejection', listener);
    }
  });
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

/**
 * Replaces the registration of 'wasm' with the threaded build, `threads` threads (at most 8,
 * XNNPACK's pool limit). Call it before the 'wasm' backend is initialised; throws if the
 * module does not load (the package's single-threaded registration is then left in place).
 */
export async function registerThreadedWasmBackend(threads: number): Promise<void> {
  const wasmPackage = await import('@tensorflow/tfjs-backend-wasm');
  const module = await loadModule(threads);
  wasmPackage.setThreadsCount(threads);
  tf.removeBackend(BACKEND_NAME);
  tf.registerBackend(
    BACKEND_NAME,
    (): BackendWasm => {
      const backend = new wasmPackage.BackendWasm(
        module as unknown as ConstructorParameters<typeof wasmPackage.BackendWasm>[0],
      );
      // The pool's threads are workers that would keep Node running after the work is done.
      for (const worker of module.PThread.runningWorkers) worker.unref();
      // Emscripten starts 8 workers whatever the pool needs (~11 MB each); XNNPACK's pool has
      // its threads now and creates no more.
      for (const worker of module.PThread.unusedWorkers) void worker.terminate();
      module.PThread.unusedWorkers = [];
      return backend;
    },
    WASM_PRIORITY,
  );
}
