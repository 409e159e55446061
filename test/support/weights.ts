import { tf } from '../../src/engine/tf';
import { CycleGAN } from '../../src/models/cyclegan';

/** Largest |difference| between two models' weights, for resume checks. */
export function maxWeightDifference(a: CycleGAN, b: CycleGAN): number {
  let max = 0;
  for (const [name, net] of Object.entries(a.networks)) {
    const other = b.networks[name as keyof CycleGAN['networks']];
    for (const [k, v] of net.params) {
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(v, other.params.get(k)!))).dataSync()[0]);
      max = Math.max(max, d);
    }
  }
  return max;
}
