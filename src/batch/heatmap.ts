import { Image } from '../data/image';

/**
 * What the generator changed, as a picture: |G(x) − x| in a heat colour map blended over
 * the grey input, so unchanged areas show the input and changed ones glow.
 *
 * Both images are compared as grey in [0, 1] (RGB by Rec. 709 weights on the encoded
 * values). The difference d is scaled on a fixed scale, t = min(1, d / FULL_SCALE), the
 * same for every image so heat maps compare across images. The colour runs black → red
 * (t = 0.5) → yellow (t = 1) and is laid over the input with opacity t, so no change
 * is transparent.
 */

/** A change of half the intensity range shows as full yellow. */
export const FULL_SCALE = 0.5;

/** Grey values in [0, 1] of HWC data in [-1, 1] with 1 or 3 channels. */
function grey(data: Float32Array, channels: number, pixels: number): Float32Array {
  const out = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const v =
      channels === 1
        ? data[p]
        : 0.2126 * data[3 * p] + 0.7152 * data[3 * p + 1] + 0.0722 * data[3 * p + 2];
    out[p] = Math.min(1, Math.max(0, (v + 1) / 2)); // NaN stays NaN, then 0 below
  }
  return out;
}

/**
 * The heat map of `output` (G(x), HWC with `outputChannels`) against `input` (x), as an RGB
 * image in [-1, 1] of the same size.
 */
export function diffHeatmap(input: Image, output: Float32Array, outputChannels: number): Image {
  const { width, height } = input;
  const pixels = width * height;
  if (output.length !== pixels * outputChannels) {
    throw new Error(
      `diffHeatmap: output holds ${output.length} values, expected ${height}x${width}x${outputChannels}`,
    );
  }
  const x = grey(input.data, input.channels, pixels);
  const y = grey(output, outputChannels, pixels);
  const data = new Float32Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const d = Math.abs(y[p] - x[p]);
    const t = d >= FULL_SCALE ? 1 : d > 0 ? d / FULL_SCALE : 0;
    const under = x[p] || 0;
    const colour = [Math.min(1, 2 * t), Math.max(0, 2 * t - 1), 0];
    for (let c = 0; c < 3; c++) {
      data[3 * p + c] = 2 * ((1 - t) * under + t * colour[c]) - 1;
    }
  }
  return { data, width, height, channels: 3 };
}
