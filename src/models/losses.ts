import { tf } from '../engine/tf';

/**
 * The adversarial loss against a constant target (paper eq. 1). With
 * `lsgan` it is the least-squares form the paper trains with (section 4,
 * "we replace the negative log likelihood by a least-squares loss"): the
 * mean of (D(x) − target)². With `vanilla`, binary cross-entropy on logits.
 */
export function ganLoss(prediction: tf.Tensor, targetIsReal: boolean, mode: 'lsgan' | 'vanilla') {
  const target = targetIsReal ? 1 : 0;
  if (mode === 'lsgan') return tf.mean(tf.square(tf.sub(prediction, target))) as tf.Scalar;
  // BCE with logits, written stably: softplus(−x) for real, softplus(x) for fake.
  return tf.mean(tf.softplus(targetIsReal ? tf.neg(prediction) : prediction)) as tf.Scalar;
}

/** Mean absolute error, the cycle (eq. 2) and identity losses. */
export function l1Loss(a: tf.Tensor, b: tf.Tensor) {
  return tf.mean(tf.abs(tf.sub(a, b))) as tf.Scalar;
}
