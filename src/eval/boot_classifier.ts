/**
 * A small sneaker-vs-ankle-boot classifier, trained on Fashion-MNIST in a few
 * seconds, to score translations: how many "sneaker -> boot" outputs does it
 * take for boots? It is a tool for our own evaluation, not a user command,
 * and it is retrained on every use (no weights are stored).
 *
 * Model: 784 -> 32 (ReLU) -> 1 (sigmoid), Adam, binary cross-entropy.
 * Inputs are 28x28 grey images in [-1, 1], white garment on black, as in
 * Fashion-MNIST.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { readFashionMnist } from '../data/idx';
import { tf } from '../engine/tf';
import { UserError } from '../util/errors';
import { Rng } from '../util/rng';

/** Where Debian's `dataset-fashion-mnist` package puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

const SNEAKER = 7;
const ANKLE_BOOT = 9;
const SIDE = 28;
const PIXELS = SIDE * SIDE;
const HIDDEN = 32;
const EPOCHS = 4;
const BATCH = 64;
const LEARNING_RATE = 1e-3;
const SEED = 2017;

/** Images of one split, boots and sneakers only. */
export interface BootSet {
  /** N x 784, row-major 28x28, values in [-1, 1]. */
  images: Float32Array;
  /** N labels: 1 = ankle boot, 0 = sneaker. */
  labels: Float32Array;
  n: number;
}

/** A trained classifier. Holds tensors: call `dispose()` when done. */
export class BootClassifier {
  constructor(
    private readonly params: { w1: tf.Tensor2D; b1: tf.Tensor1D; w2: tf.Tensor2D; b2: tf.Tensor1D },
    /** Accuracy on the Fashion-MNIST t10k sneakers and boots, in [0, 1]. */
    readonly testAccuracy: number,
  ) {}

  /** p(ankle boot) for each of `n` images (N x 28 x 28, values in [-1, 1]). */
  predictBoot(images: Float32Array, n: number): Float32Array {
    if (images.length !== n * PIXELS) {
      throw new Error(
        `predictBoot: ${n} images of 28x28 need ${n * PIXELS} values, got ${images.length}`,
      );
    }
    if (n === 0) return new Float32Array(0);
    return tf.tidy(() =>
      tf.sigmoid(this.logits(tf.tensor2d(images, [n, PIXELS]))).dataSync(),
    ) as Float32Array;
  }

  /** Logits, [N, 1], for a [N, 784] batch. */
  logits(x: tf.Tensor2D): tf.Tensor2D {
    const { w1, b1, w2, b2 } = this.params;
    return tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2);
  }

  dispose(): void {
    for (const t of Object.values(this.params)) t.dispose();
  }
}

/**
 * Trains the classifier on the 12,000 Fashion-MNIST training sneakers and
 * boots and measures it on the 2,000 test ones. Runs on the current
 * TensorFlow.js backend. A missing data set is a UserError.
 */
export async function trainBootClassifier(datasetDir = FASHION_MNIST_DIR): Promise<BootClassifier> {
  const train = loadBootSet(datasetDir, 'train');
  const test = loadBootSet(datasetDir, 't10k');

  // Parameters: Glorot-uniform weights from our seeded generator, zero biases.
  const rng = Rng.derive(SEED);
  const glorot = (fanIn: number, fanOut: number) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return Float32Array.from({ length: fanIn * fanOut }, () => (2 * rng.random() - 1) * limit);
  };
  // tidy frees the initial values; variables outlive it.
  const params = tf.tidy(() => ({
    w1: tf.variable(tf.tensor2d(glorot(PIXELS, HIDDEN), [PIXELS, HIDDEN])),
    b1: tf.variable(tf.zeros<tf.Rank.R1>([HIDDEN])),
    w2: tf.variable(tf.tensor2d(glorot(HIDDEN, 1), [HIDDEN, 1])),
    b2: tf.variable(tf.zeros<tf.Rank.R1>([1])),
  }));
  const model = new BootClassifier(params, NaN);

  // Mini-batch Adam on binary cross-entropy, a fresh shuffle per epoch.
  const optimizer = tf.train.adam(LEARNING_RATE);
  const batchX = new Float32Array(BATCH * PIXELS);
  const batchY = new Float32Array(BATCH);
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    const order = rng.permutation(train.n);
    for (let start = 0; start + BATCH <= train.n; start += BATCH) {
      for (let i = 0; i < BATCH; i++) {
        const k = order[start + i];
        batchX.set(train.images.subarray(k * PIXELS, (k + 1) * PIXELS), i * PIXELS);
        batchY[i] = train.labels[k];
      }
      tf.tidy(() => {
        const x = tf.tensor2d(batchX, [BATCH, PIXELS]);
        const y = tf.tensor2d(batchY, [BATCH, 1]);
        optimizer.minimize(() => tf.losses.sigmoidCrossEntropy(y, model.logits(x)) as tf.Scalar);
      });
    }
    await tf.nextFrame(); // let the event loop breathe between epochs
  }
  optimizer.dispose();

  // Accuracy on the held-out test split.
  const p = model.predictBoot(test.images, test.n);
  let correct = 0;
  for (let i = 0; i < test.n; i++) if (p[i] > 0.5 === (test.labels[i] === 1)) correct++;
  return new BootClassifier(params, correct / test.n);
}

/**
 * Counts the images of a folder (PNG, JPEG, WebP; not recursive) that the
 * classifier takes for boots (p > 0.5). Each is read as grey and resized to
 * 28x28. Trains a classifier unless one is given.
 */
export async function countBoots(
  dir: string,
  classifier?: BootClassifier,
): Promise<{ boots: number; total: number }> {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    throw new UserError(`${dir}: no such folder`);
  }
  names = names.filter((n) => /\.(png|jpe?g|webp)$/i.test(n)).sort();
  if (names.length === 0) throw new UserError(`${dir}: no PNG, JPEG or WebP images`);

  const images = new Float32Array(names.length * PIXELS);
  for (let i = 0; i < names.length; i++) {
    images.set(await readAs28x28(path.join(dir, names[i])), i * PIXELS);
  }
  const model = classifier ?? (await trainBootClassifier());
  try {
    const p = model.predictBoot(images, names.length);
    return { boots: p.filter((v) => v > 0.5).length, total: names.length };
  } finally {
    if (!classifier) model.dispose();
  }
}

/** One image file as 784 grey values in [-1, 1]. */
export async function readAs28x28(file: string): Promise<Float32Array> {
  let pixels: Buffer;
  try {
    pixels = await sharp(file)
      .greyscale()
      .resize(SIDE, SIDE, { fit: 'fill' })
      .extractChannel(0)
      .raw()
      .toBuffer();
  } catch (err) {
    throw new UserError(`${file}: cannot read image (${(err as Error).message})`);
  }
  return Float32Array.from(pixels, (v) => v / 127.5 - 1);
}

/** The sneakers and ankle boots of one Fashion-MNIST split. */
export function loadBootSet(datasetDir: string, split: 'train' | 't10k'): BootSet {
  const file = path.join(datasetDir, `${split}-images-idx3-ubyte.gz`);
  if (!fs.existsSync(file)) {
    throw new UserError(
      `Fashion-MNIST not found: ${file} is missing`,
      'install it with: apt-get install dataset-fashion-mnist',
    );
  }
  const set = readFashionMnist(datasetDir, split);
  if (set.height !== SIDE || set.width !== SIDE) {
    throw new UserError(
      `${file}: expected ${SIDE}×${SIDE} images, found ${set.height}×${set.width}`,
    );
  }
  const images = { data: set.images };
  const labels = { data: set.labels };
  const keep: number[] = [];
  labels.data.forEach((l, i) => {
    if (l === SNEAKER || l === ANKLE_BOOT) keep.push(i);
  });
  const out: BootSet = {
    images: new Float32Array(keep.length * PIXELS),
    labels: new Float32Array(keep.length),
    n: keep.length,
  };
  keep.forEach((src, i) => {
    for (let j = 0; j < PIXELS; j++)
      out.images[i * PIXELS + j] = images.data[src * PIXELS + j] / 127.5 - 1;
    out.labels[i] = labels.data[src] === ANKLE_BOOT ? 1 : 0;
  });
  return out;
}
