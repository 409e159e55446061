/**
 * The `onednn` TensorFlow.js backend: the CPU backend with convolutions, instance
 * normalisation, mirror padding (and more, see register_all_kernels.ts) run natively through
 * oneDNN. Optional: when the addon is not built, onednnStatus() says why and how to build it.
 *
 *   registerOnednnBackend({ threads: 2, precision: 'fp32' });
 *   await tf.setBackend('onednn');
 */
import * as os from 'node:os';

import { UserError } from '../../util/errors';
import { tf } from '../tf';
import { INSTALL_HINT, loadAddon } from './addon';
import { OnednnBackend, Precision } from './backend';
import { BACKEND_NAME } from './kernel_util';
import { onednnKernelConfigs } from './register_all_kernels';

export {
  ADAM_UPDATE,
  AdamUpdateAttrs,
  INSTANCE_NORM,
  INSTANCE_NORM_GRAD,
  MIRROR_PAD_GRAD,
} from '../custom_kernels';
export { OnednnBackend } from './backend';

export interface OnednnStatus {
  available: boolean;
  /** One line: why the backend is unavailable and how to get it. */
  reason?: string;
}

export interface OnednnOptions {
  /** oneDNN and native loop threads; default: every core. */
  threads?: number;
  /** 'bf16' runs convolutions in bf16 with fp32 accumulation; needs AVX-512 BF16 or AMX. */
  precision?: Precision;
}

/** Priority below the CPU backend's (1): the backend is used only when asked for by name. */
const PRIORITY = 0;

/** Whether the native addon loads here; never throws. */
export function onednnStatus(): OnednnStatus {
  const loaded = loadAddon();
  return loaded.addon === null ? { available: false, reason: loaded.reason } : { available: true };
}

/**
 * Registers the backend 'onednn' (the caller then calls tf.setBackend('onednn')). Calling it
 * again replaces the earlier registration, e.g. to change the number of threads.
 */
export function registerOnednnBackend(opts: OnednnOptions = {}): void {
  const loaded = loadAddon();
  if (loaded.addon === null) {
    throw new UserError(`oneDNN backend not available: ${loaded.reason}`, INSTALL_HINT);
  }
  const addon = loaded.addon;
  const threads = opts.threads ?? os.availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new UserError(`threads: expected a positive integer but received ${threads}`);
  }
  const precision = opts.precision ?? 'fp32';
  if (precision !== 'fp32' && precision !== 'bf16') {
    throw new UserError(`precision: expected 'fp32' or 'bf16' but received '${String(precision)}'`);
  }
  const isa = addon.isa();
  if (precision === 'bf16' && !addon.hasBf16()) {
    throw new UserError(
      `precision bf16 needs a CPU with AVX-512 BF16 or AMX, but this CPU offers ${isa}`,
      'use --precision fp32',
    );
  }

  unregisterOnednnBackend();
  tf.registerBackend(
    BACKEND_NAME,
    () => new OnednnBackend(addon, threads, precision, isa),
    PRIORITY,
  );
  const native = new Set(onednnKernelConfigs.map((k) => k.kernelName));
  for (const config of tf.getKernelsForBackend('cpu')) {
    if (!native.has(config.kernelName)) tf.registerKernel({ ...config, backendName: BACKEND_NAME });
  }
  for (const config of onednnKernelConfigs) tf.registerKernel(config);
}

/** Removes the backend and its kernels (no-op when not registered). */
function unregisterOnednnBackend(): void {
  if (tf.findBackendFactory(BACKEND_NAME) === null) return;
  tf.removeBackend(BACKEND_NAME);
  for (const config of tf.getKernelsForBackend(BACKEND_NAME)) {
    tf.unregisterKernel(config.kernelName, BACKEND_NAME);
  }
}

/** Threads, precision and the instruction set oneDNN uses, for the start line. */
export function onednnInfo(): { threads: number; precision: Precision; isa: string } {
  if (tf.findBackendFactory(BACKEND_NAME) === null) {
    throw new Error('onednnInfo: the onednn backend is not registered (registerOnednnBackend)');
  }
  const backend = tf.findBackend(BACKEND_NAME);
  if (!(backend instanceof OnednnBackend)) {
    throw new Error('onednnInfo: the onednn backend failed to initialise');
  }
  return { threads: backend.threads, precision: backend.precision, isa: backend.isa };
}
