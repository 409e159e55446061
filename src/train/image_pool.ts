import { tf } from '../engine/tf';
import { Rng } from '../util/rng';

/**
 * The history of generated images the discriminators learn from (paper
 * section 4, after Shrivastava et al.): until it holds `size` images every
 * new image is stored and returned; after that, each new image is, with
 * probability one half, swapped for a random stored one, which is returned
 * instead. A size of 0 turns the pool off.
 */
export class ImagePool {
  private images: tf.Tensor3D[] = [];

  constructor(
    readonly size: number,
    private rng: Rng,
  ) {}

  /** @param batch [N, H, W, C] @returns [N, H, W, C], some images from history */
  query(batch: tf.Tensor4D): tf.Tensor4D {
    if (this.size === 0) return tf.clone(batch);
    return tf.tidy(() => {
      const out: tf.Tensor3D[] = [];
      for (const image of tf.unstack(batch) as tf.Tensor3D[]) {
        if (this.images.length < this.size) {
          this.images.push(tf.keep(tf.clone(image)));
          out.push(image);
        } else if (this.rng.random() > 0.5) {
          const id = this.rng.int(this.size);
          out.push(tf.clone(this.images[id]));
          this.images[id].dispose();
          this.images[id] = tf.keep(tf.clone(image));
        } else {
          out.push(image);
        }
      }
      return tf.stack(out) as tf.Tensor4D;
    });
  }

  /** The stored images as one [count, H, W, C] array, for checkpoints. */
  snapshot(): { data: Float32Array; shape: number[] } | undefined {
    if (this.images.length === 0) return undefined;
    return tf.tidy(() => {
      const all = tf.stack(this.images);
      return { data: all.dataSync() as Float32Array, shape: all.shape.slice() };
    });
  }

  restore(saved: { data: Float32Array; shape: number[] } | undefined, rng: Rng) {
    this.dispose();
    this.rng = rng;
    if (saved === undefined) return;
    const all = tf.tensor4d(saved.data, saved.shape as [number, number, number, number]);
    this.images = (tf.unstack(all) as tf.Tensor3D[]).map((t) => tf.keep(t));
    all.dispose();
  }

  get rngState(): number[] {
    return this.rng.getState();
  }

  get count(): number {
    return this.images.length;
  }

  dispose() {
    for (const t of this.images) t.dispose();
    this.images = [];
  }
}
