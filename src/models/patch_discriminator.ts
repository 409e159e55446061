import { tf } from '../engine/tf';
import { conv } from '../nn/conv';
import { instanceNorm } from '../nn/instance_norm';
import { addConv, Params } from '../nn/params';
import { Layer, sequential } from '../nn/sequential';
import { UserError } from '../util/errors';
import { Rng } from '../util/rng';
import { NetworkOptions } from './options';

/**
 * The PatchGAN discriminator (paper appendix 7.2): C64-C128-C256-C512 with
 * 4×4 kernels and LeakyReLU 0.2, then a 1-channel map whose cells each judge
 * a 70×70 patch when nLayers is 3. No norm on the first layer.
 *
 * Layer indices follow the reference release: convolutions at 0, then
 * 2 + 3k for k = 0 … nLayers−1, then the 1-channel head at 2 + 3·nLayers.
 */
export class PatchDiscriminator {
  readonly params: Params = new Map();
  /** Strided layers: 3 for `basic` whatever `--n-layers-d` says, as in the reference. */
  readonly nLayers: number;

  constructor(
    readonly opts: Pick<NetworkOptions, 'netD' | 'ndf' | 'nLayersD' | 'norm'> & { inputNc: number },
    rng: Rng,
  ) {
    const { ndf, inputNc } = opts;
    const nLayersD = opts.netD === 'basic' ? 3 : opts.nLayersD;
    this.nLayers = nLayersD;
    // Bias on the first and last layers; on the others only with instance norm.
    const bias = opts.norm === 'instance';
    addConv(
      this.params,
      'model.0',
      { kernel: 4, inChannels: inputNc, outChannels: ndf, bias: true },
      rng,
    );
    let mult = 1;
    for (let n = 1; n <= nLayersD; n++) {
      const prev = mult;
      mult = Math.min(2 ** n, 8);
      const shape = { kernel: 4, inChannels: ndf * prev, outChannels: ndf * mult, bias };
      addConv(this.params, `model.${2 + 3 * (n - 1)}`, shape, rng);
    }
    const head = { kernel: 4, inChannels: ndf * mult, outChannels: 1, bias: true };
    addConv(this.params, `model.${2 + 3 * nLayersD}`, head, rng);
  }

  /** @param x [N, H, W, C] @returns [N, H', W', 1] patch scores (logits) */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const nLayersD = this.nLayers;
    const { norm } = this.opts;
    const [, height, width] = x.shape;
    if (patchMapSide(Math.min(height, width), nLayersD) < 1) {
      throw new UserError(
        `Images of ${height}×${width} are too small for the ${nLayersD}-layer PatchGAN ` +
          `(its score map would be empty); they need at least ${minimumSide(nLayersD)} pixels a side.`,
        'Raise --crop-size (or --load-size), or lower --n-layers-d with --netD n_layers.',
      );
    }
    const p = this.params;
    const normLayer = (n: number): Layer => {
      const stride = n < nLayersD ? 2 : 1;
      return (t) => {
        const y = conv(p, `model.${2 + 3 * (n - 1)}`, t, stride, 1);
        // Norm and LeakyReLU(0.2) as one fused op where the backend has it.
        return norm === 'instance' ? instanceNorm(y, 0.2) : tf.leakyRelu(y, 0.2);
      };
    };
    return sequential(x, [
      (t) => tf.leakyRelu(conv(p, 'model.0', t, 2, 1), 0.2),
      ...Array.from({ length: nLayersD }, (_, i) => normLayer(i + 1)),
      (t) => conv(p, `model.${2 + 3 * nLayersD}`, t, 1, 1),
    ]);
  }
}

/** Side of the score map for an input side: nLayers stride-2 convolutions, then two stride-1 ones. */
function patchMapSide(side: number, nLayers: number): number {
  const conv = (s: number, stride: number) => Math.floor((s + 2 - 4) / stride) + 1;
  let s = conv(side, 2);
  for (let n = 1; n < nLayers; n++) s = conv(s, 2);
  return conv(conv(s, 1), 1);
}

function minimumSide(nLayers: number): number {
  let side = 1;
  while (patchMapSide(side, nLayers) < 1) side++;
  return side;
}
