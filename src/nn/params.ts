import { tf } from '../engine/tf';
import { UserError } from '../util/errors';
import { Rng } from '../util/rng';

/**
 * A network's trainable weights by the reference release's names
 * (`model.1.weight`, `model.10.conv_block.5.bias`, ...), held in TensorFlow
 * layout: convolution filters [kh, kw, in, out], transposed-convolution
 * filters [kh, kw, out, in] (both are PyTorch's 4-D weight transposed by
 * (2, 3, 1, 0)), biases [out].
 */
export type Params = Map<string, tf.Variable>;

export interface ConvShape {
  kernel: number;
  inChannels: number;
  outChannels: number;
  transposed?: boolean;
  bias: boolean;
}

/**
 * Adds a convolution's weights, drawn as the reference's `init_type normal`
 * does: weights ~ N(0, gain²) with gain 0.02, biases zero.
 */
export function addConv(params: Params, name: string, shape: ConvShape, rng: Rng, gain = 0.02) {
  const { kernel, inChannels, outChannels, transposed, bias } = shape;
  const dims = transposed
    ? [kernel, kernel, outChannels, inChannels]
    : [kernel, kernel, inChannels, outChannels];
  const values = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = rng.normal() * gain;
  // tf.variable copies its initial value; tidy frees the source tensors.
  params.set(
    `${name}.weight`,
    tf.tidy(() => tf.variable(tf.tensor(values, dims), true)),
  );
  if (bias)
    params.set(
      `${name}.bias`,
      tf.tidy(() => tf.variable(tf.zeros([outChannels]), true)),
    );
}

/** Number of scalars in a set of weights. */
export function countParams(params: Params): number {
  let n = 0;
  for (const v of params.values()) n += v.size;
  return n;
}

/** A weight in PyTorch layout, as stored on disk. */
export interface TorchTensor {
  data: Float32Array;
  shape: number[];
}

/** TensorFlow layout → PyTorch layout (4-D weights transposed, others as they are). */
export function toTorch(params: Params): Record<string, TorchTensor> {
  const out: Record<string, TorchTensor> = {};
  for (const [name, v] of params) {
    const t = v.rank === 4 ? tf.transpose(v, [3, 2, 0, 1]) : v;
    out[name] = { data: t.dataSync() as Float32Array, shape: t.shape.slice() };
    if (t !== v) t.dispose();
  }
  return out;
}

/**
 * Loads PyTorch-layout weights into `params`. Every name must be present with
 * the expected shape; `source` names the file in error messages.
 */
export function loadTorch(params: Params, weights: Record<string, TorchTensor>, source: string) {
  const missing = [...params.keys()].filter((k) => !(k in weights));
  if (missing.length > 0) {
    throw new UserError(
      `${source}: missing weights ${missing.slice(0, 3).join(', ')}` +
        (missing.length > 3 ? ` and ${missing.length - 3} more` : ''),
      'Check --netG (resnet_9blocks has residual blocks model.10 to model.18, resnet_6blocks ' +
        'model.10 to model.15) and --norm against the network that was saved.',
    );
  }
  for (const [name, v] of params) {
    const w = weights[name];
    const expected = v.rank === 4 ? [3, 2, 0, 1].map((i) => v.shape[i]) : v.shape;
    if (w.shape.join(',') !== expected.join(',')) {
      throw new UserError(
        `${source}: weight ${name} has shape [${w.shape}], expected [${expected}]`,
        'Check --netG, --ngf, --input-nc and --output-nc against the network that was saved.',
      );
    }
    const bad = w.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) {
      throw new UserError(
        `${source}: weight ${name} holds ${w.data[bad]} at index ${bad}; the file cannot be used.`,
      );
    }
    tf.tidy(() => {
      const t = tf.tensor(w.data, w.shape);
      v.assign(v.rank === 4 ? tf.transpose(t, [2, 3, 1, 0]) : t);
    });
  }
}
