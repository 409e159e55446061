import { tf } from '../engine/tf';
import { conv } from '../nn/conv';
import { instanceNorm } from '../nn/instance_norm';
import { addConv, Params } from '../nn/params';
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

  constructor(
    readonly opts: Pick<NetworkOptions, 'ndf' | 'nLayersD' | 'norm'> & { inputNc: number },
    rng: Rng,
  ) {
    const { ndf, nLayersD, inputNc } = opts;
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
      const shape = { kernel: 4, inChannels: ndf * prev, outChannels: ndf * mult, bias: true };
      addConv(this.params, `model.${2 + 3 * (n - 1)}`, shape, rng);
    }
    const head = { kernel: 4, inChannels: ndf * mult, outChannels: 1, bias: true };
    addConv(this.params, `model.${2 + 3 * nLayersD}`, head, rng);
  }

  /** @param x [N, H, W, C] @returns [N, H', W', 1] patch scores (logits) */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const { nLayersD, norm } = this.opts;
    let h = tf.leakyRelu(conv(this.params, 'model.0', x, 2, 1), 0.2);
    for (let n = 1; n <= nLayersD; n++) {
      const stride = n < nLayersD ? 2 : 1;
      const y = conv(this.params, `model.${2 + 3 * (n - 1)}`, h, stride, 1);
      h = tf.leakyRelu(norm === 'instance' ? instanceNorm(y) : y, 0.2);
    }
    return conv(this.params, `model.${2 + 3 * nLayersD}`, h, 1, 1);
  }
}
