/**
 * The one place that loads TensorFlow.js. The CommonJS bundle of
 * `@tensorflow/tfjs` registers every gradient as a side effect (tfjs-core's
 * own CommonJS entry does not), so it is required once here and everything
 * else imports `tf` from this module.
 */
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';

export { tf };

/**
 * The CPU backend (and any backend built on it) prints a banner on first use
 * recommending `@tensorflow/tfjs-node`, which cannot be installed without a
 * download from outside the package registry; we ship faster backends
 * instead, so the banner is switched off.
 */
export function silenceCpuBanner(backend: unknown) {
  const b = backend as { firstUse?: boolean } | null;
  if (b != null && 'firstUse' in b) b.firstUse = false;
}

silenceCpuBanner(tf.findBackend('cpu'));
