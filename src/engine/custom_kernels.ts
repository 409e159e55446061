import { tf } from './tf';

/**
 * The custom kernels (no TensorFlow.js equivalent) that the model and the
 * optimizer call when the active backend registers them, and that the
 * onednn and wasm backends both provide: one contract, two implementations.
 */

/**
 * x [N,H,W,C] -> [y [N,H,W,C], mean [N,C], invStd [N,C]]: per image and
 * channel, v = (x − mean)·invStd with the mean over H and W, the biased
 * variance and invStd = 1/√(var + epsilon), then the activation that follows
 * the norm, y = max(v, 0) + negativeSlope·min(v, 0) (1: none, 0: ReLU,
 * 0.2: LeakyReLU(0.2)). Used by src/nn/instance_norm.ts.
 */
export const INSTANCE_NORM = 'InstanceNorm';
export interface InstanceNormInputs {
  x: tf.TensorInfo;
}
export interface InstanceNormAttrs {
  epsilon: number;
  negativeSlope: number;
}

/**
 * {dy, x, mean, invStd} (x the forward input, mean and invStd as InstanceNorm
 * returned them) -> dx [N,H,W,C], through the activation and the norm. The
 * activation's gradient is taken where x > mean, so only x need be kept.
 */
export const INSTANCE_NORM_GRAD = 'InstanceNormGrad';
export interface InstanceNormGradInputs {
  dy: tf.TensorInfo;
  x: tf.TensorInfo;
  mean: tf.TensorInfo;
  invStd: tf.TensorInfo;
}
export interface InstanceNormGradAttrs {
  negativeSlope: number;
}

/** InstanceNorm's attributes, checked: epsilon ≥ 0, negativeSlope finite (1 when absent). */
export function instanceNormAttrs(attrs: Partial<InstanceNormAttrs>): InstanceNormAttrs {
  const epsilon = attrs.epsilon as number;
  if (!(epsilon >= 0)) {
    throw new Error(`${INSTANCE_NORM}: epsilon must be a number >= 0, received ${epsilon}`);
  }
  return { epsilon, negativeSlope: negativeSlopeOf(INSTANCE_NORM, attrs) };
}

/** The negativeSlope attribute, checked: a finite number, 1 when absent. */
export function negativeSlopeOf(kernelName: string, attrs: { negativeSlope?: number }): number {
  const slope = attrs.negativeSlope ?? 1;
  if (!Number.isFinite(slope)) {
    throw new Error(`${kernelName}: negativeSlope must be a finite number, received ${slope}`);
  }
  return slope;
}

/**
 * dy (padded shape) -> dx: the exact gradient of MirrorPad, every padded
 * cell added back onto the cell it copies. Attrs as MirrorPad's. Used by
 * src/nn/reflection_pad.ts.
 */
export const MIRROR_PAD_GRAD = 'MirrorPadGrad';
export interface MirrorPadGradInputs {
  dy: tf.TensorInfo;
}

/**
 * One fused Adam step for one parameter, PyTorch's formula: param, grad, m,
 * v (one shape, float32) -> [param', m', v'] with m' = β1·m + (1 − β1)·g,
 * v' = β2·v + (1 − β2)·g², param' = param − stepSize·m' / (√v'/sqrtBc2 + ε).
 * Used by src/train/adam.ts.
 */
export const ADAM_UPDATE = 'AdamUpdate';
export interface AdamUpdateInputs {
  param: tf.TensorInfo;
  grad: tf.TensorInfo;
  m: tf.TensorInfo;
  v: tf.TensorInfo;
}
/** Bias corrections folded in by the caller for step t: lr / (1 − β1ᵗ) and √(1 − β2ᵗ). */
export interface AdamUpdateAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  stepSize: number;
  sqrtBc2: number;
}
