/**
 * Picks and sets up the TensorFlow.js backend that runs the kernels:
 *
 *   onednn  native addon over oneDNN (fastest; optional, built at install)
 *   wasm    @tensorflow/tfjs-backend-wasm with our training kernels, threaded when it can be
 *   cpu     @tensorflow/tfjs-backend-cpu (slow, always there)
 *
 *   const choice = await selectBackend({ backend: 'auto' });
 *   // { name: 'wasm', threads: 2, precision: 'fp32', notes: ['onednn backend not used: ...'] }
 */
import * as os from 'node:os';

import { UserError } from '../util/errors';
import { tf } from './tf';

export type BackendName = 'onednn' | 'wasm' | 'cpu';
export type Precision = 'fp32' | 'bf16';

export interface BackendChoice {
  name: BackendName;
  threads: number;
  precision: Precision;
  /** One-line messages for the user, e.g. why onednn is not used and how to get it. */
  notes: string[];
}

export interface BackendOptions {
  /** Default 'auto': the fastest available. */
  backend?: BackendName | 'auto';
  /** Default: every core (os.availableParallelism()). */
  threads?: number;
  /** Default 'fp32'; 'bf16' only on onednn. */
  precision?: Precision;
}

/** What src/engine/onednn exports (written separately; it may be missing or fail to load). */
interface OnednnModule {
  onednnStatus(): { available: boolean; reason?: string };
  registerOnednnBackend(opts: { threads?: number; precision?: Precision }): void;
  onednnInfo(): { threads: number; precision: Precision; isa: string };
}

const BACKENDS: ReadonlyArray<BackendName | 'auto'> = ['auto', 'onednn', 'wasm', 'cpu'];

/**
 * Sets the TensorFlow.js backend: the one asked for, or with 'auto' the fastest available
 * (onednn, else wasm, else cpu). Calling it again with the same options keeps the backend
 * and its tensors.
 *
 * @throws UserError for bad options, an explicit backend that is unavailable, or bf16 off onednn.
 */
export async function selectBackend(opts: BackendOptions = {}): Promise<BackendChoice> {
  const wanted = opts.backend ?? 'auto';
  const threads = opts.threads ?? os.availableParallelism();
  const precision = opts.precision ?? 'fp32';
  validate(wanted, threads, precision);
  const notes: string[] = [];

  if (wanted === 'onednn' || wanted === 'auto') {
    const onednn = loadOnednn();
    if (onednn.module !== null) {
      try {
        return await useOnednn(onednn.module, threads, precision);
      } catch (error) {
        // A native backend that loads but fails to start: 'auto' moves on to wasm.
        if (wanted === 'onednn' || precision === 'bf16' || error instanceof UserError) throw error;
        notes.push(`onednn backend failed to start: ${firstLine(error)}`);
      }
    } else if (wanted === 'onednn') {
      throw new UserError(
        `backend onednn is not available: ${onednn.reason}`,
        'use --backend wasm',
      );
    } else if (precision === 'bf16') {
      throw new UserError(
        `precision bf16 needs the onednn backend, which is not available: ${onednn.reason}`,
        'use --precision fp32',
      );
    } else {
      notes.push(`onednn backend not used: ${onednn.reason}`);
    }
  }

  if (wanted === 'wasm' || wanted === 'auto') {
    try {
      return await useWasm(threads, notes);
    } catch (error) {
      if (error instanceof UserError) throw error;
      if (wanted === 'wasm')
        throw new UserError(`backend wasm failed to start: ${firstLine(error)}`);
      notes.push(`wasm backend not used: ${firstLine(error)}`);
    }
  }

  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
  if (wanted === 'auto') notes.push('running on the slow cpu backend');
  return { name: 'cpu', threads: 1, precision: 'fp32', notes };
}

function validate(wanted: string, threads: number, precision: string): void {
  if (!BACKENDS.includes(wanted as BackendName)) {
    throw new UserError(`backend: expected one of ${BACKENDS.join(', ')} but received '${wanted}'`);
  }
  if (!Number.isInteger(threads) || threads < 1) {
    throw new UserError(`threads: expected a positive integer but received ${threads}`);
  }
  if (precision !== 'fp32' && precision !== 'bf16') {
    throw new UserError(`precision: expected 'fp32' or 'bf16' but received '${precision}'`);
  }
  if (precision === 'bf16' && (wanted === 'wasm' || wanted === 'cpu')) {
    throw new UserError(
      `precision bf16 needs the onednn backend, but the backend is ${wanted}`,
      'use --precision fp32, or --backend onednn',
    );
  }
}

/** The onednn module when its addon loads here, else one line saying why not. */
function loadOnednn():
  { module: OnednnModule; reason?: undefined } | { module: null; reason: string } {
  let module: OnednnModule;
  try {
    // Lazy: the module and its native addon are optional.
    module = require('./onednn') as OnednnModule;
  } catch (error) {
    return { module: null, reason: `its module failed to load (${firstLine(error)})` };
  }
  if (typeof module.onednnStatus !== 'function') {
    return { module: null, reason: 'its module does not export onednnStatus' };
  }
  const status = module.onednnStatus();
  return status.available
    ? { module }
    : { module: null, reason: status.reason ?? 'reason unknown' };
}

async function useOnednn(
  onednn: OnednnModule,
  threads: number,
  precision: Precision,
): Promise<BackendChoice> {
  const running =
    tf.getBackend() === 'onednn' ? onednn.onednnInfo() : { threads: -1, precision: 'fp32' };
  if (running.threads !== threads || running.precision !== precision) {
    onednn.registerOnednnBackend({ threads, precision });
    if (!(await tf.setBackend('onednn')))
      throw new Error('the onednn backend failed to initialise');
  }
  const info = onednn.onednnInfo();
  return { name: 'onednn', threads: info.threads, precision: info.precision, notes: [] };
}

/**
 * The wasm backend with our kernels; threaded when more than one thread is asked for and the
 * threaded build loads. Its thread count is fixed once it has started.
 */
async function useWasm(threads: number, notes: string[]): Promise<BackendChoice> {
  const { registerWasmKernels } = await import('./wasm/register');
  const wasmPackage = await import('@tensorflow/tfjs-backend-wasm');
  registerWasmKernels();

  // The engine's registry holds the backends that have started (findBackend would start it).
  const started = 'wasm' in tf.engine().registry;
  let threadsNote: string | null = null;
  if (!started && threads > 1) {
    try {
      const { registerThreadedWasmBackend } = await import('./wasm/threads');
      await registerThreadedWasmBackend(threads);
    } catch (error) {
      threadsNote = `wasm threads unavailable (${firstLine(error)}); running on 1 thread`;
    }
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
  const { guardHeap } = await import('./wasm/memory');
  guardHeap(tf.backend());

  const actual = wasmPackage.getThreadsCount();
  if (threadsNote !== null) {
    notes.push(threadsNote);
  } else if (started && actual !== threads) {
    notes.push(`wasm backend already running on ${actual} thread(s); restart to change`);
  } else if (actual < threads) {
    notes.push(`wasm backend runs at most ${actual} threads`);
  }
  return { name: 'wasm', threads: actual, precision: 'fp32', notes };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
