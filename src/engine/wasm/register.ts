/**
 * The kernels we add to the wasm backend so that it can train: the one it lacks, the one it
 * runs too slowly for training, and the fused custom kernels the model and the optimizer use
 * when a backend has them (as the onednn backend does). Registered for the backend name 'wasm', so they serve both
 * the package's single-threaded build and our threaded one (threads.ts).
 *
 * Importing this module loads `@tensorflow/tfjs-backend-wasm`, whose own kernel list must be
 * registered before ours: a later registration of the same name would replace ours.
 */
import '@tensorflow/tfjs-backend-wasm';

import { tf } from '../tf';
import { ADAM_UPDATE, adamUpdateConfig } from './AdamUpdate';
import { conv2DBackpropFilterConfig } from './Conv2DBackpropFilter';
import { conv2DBackpropInputConfig } from './Conv2DBackpropInput';
import { INSTANCE_NORM, instanceNormConfig } from './InstanceNorm';
import { INSTANCE_NORM_GRAD, instanceNormGradConfig } from './InstanceNormGrad';
import { BACKEND_NAME } from './kernel_util';
import { MIRROR_PAD_GRAD, mirrorPadGradConfig } from './MirrorPadGrad';

/** Kernel names this module registers for 'wasm'. */
export const WASM_TRAINING_KERNELS: readonly string[] = [
  tf.Conv2DBackpropFilter,
  tf.Conv2DBackpropInput,
  INSTANCE_NORM,
  INSTANCE_NORM_GRAD,
  MIRROR_PAD_GRAD,
  ADAM_UPDATE,
];

/**
 * Registers the training kernels for 'wasm'; calling it again does nothing. The backend need
 * not be initialised yet; kernels that replace one of its own keep that one as a fallback.
 */
export function registerWasmKernels(): void {
  // The package registers no Conv2DBackpropFilter, so its presence means we ran already.
  if (tf.getKernel(tf.Conv2DBackpropFilter, BACKEND_NAME) !== undefined) return;

  tf.registerKernel(conv2DBackpropFilterConfig);
  tf.registerKernel(instanceNormConfig);
  tf.registerKernel(instanceNormGradConfig);
  tf.registerKernel(mirrorPadGradConfig);
  tf.registerKernel(adamUpdateConfig);

  const ownInput = tf.getKernel(tf.Conv2DBackpropInput, BACKEND_NAME);
  if (ownInput !== undefined) tf.unregisterKernel(tf.Conv2DBackpropInput, BACKEND_NAME);
  tf.registerKernel(conv2DBackpropInputConfig(ownInput));
}
