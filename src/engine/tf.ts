/**
 * The one place that loads TensorFlow.js. The CommonJS bundle of
 * `@tensorflow/tfjs` registers every gradient as a side effect (tfjs-core's
 * own CommonJS entry does not), so it is required once here and everything
 * else imports `tf` from this module.
 */
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';

export { tf };
