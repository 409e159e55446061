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
        } else if (this.rng.random() > 0.5 && this.sameShape(image)) {
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

  /**
   * The stored images, one [H, W, C] array each (sizes may differ with
   * `--preprocess none`), for checkpoints.
   */
  snapshot(): Array<{ data: Float32Array; shape: number[] }> {
    return this.images.map((t) => ({
      data: t.dataSync().slice() as Float32Array,
      shape: t.shape.slice(),
    }));
  }

  restore(saved: Array<{ data: Float32Array; shape: number[] }>, rng: Rng) {
    this.dispose();
    this.rng = rng;
    this.images = saved.map((s) =>
      tf.keep(tf.tensor3d(s.data, s.shape as [number, number, number])),
    );
  }

  get rngState(): number[] {
    return this.rng.getState();
  }

  /**
   * Whether stored image 0 can stand in for `image` in a batch. With varying
   * image sizes a stored image of another size cannot be stacked into the
   * batch; the new image is then used as it is.
   */
  private sameShape(image: tf.Tensor3D): boolean {
    return this.images.every((t) => t.shape.join() === image.shape.join());
  }

  get count(): number {
    return this.images.length;
  }

  dispose() {
    for (const t of this.images) t.dispose();
    this.images = [];
  }
}
