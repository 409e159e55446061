import { tf } from '../engine/tf';
import { conv, convTranspose2x } from '../nn/conv';
import { instanceNorm } from '../nn/instance_norm';
import { addConv, Params } from '../nn/params';
import { reflectionPad } from '../nn/reflection_pad';
import { residualAdd } from '../nn/residual';
import { Layer, sequential } from '../nn/sequential';
import { Rng } from '../util/rng';
import { NetworkOptions, residualBlocks } from './options';

/**
 * The ResNet generator of the paper (appendix 7.2, after Johnson et al.):
 * c7s1-ngf, d2·ngf, d4·ngf, R4·ngf × blocks, u2·ngf, u·ngf, c7s1-outputNc.
 *
 * Layer indices follow the reference release's `nn.Sequential`, so weight
 * names match its state dict: 1 stem, 4 and 7 down-sampling, 10 … 10+b−1
 * residual blocks (`conv_block.1`, `conv_block.5`), 10+b and 13+b
 * up-sampling, 17+b head.
 */
export class ResnetGenerator {
  readonly params: Params = new Map();
  private readonly blocks: number;

  constructor(
    readonly opts: Pick<NetworkOptions, 'netG' | 'ngf' | 'inputNc' | 'outputNc' | 'norm'>,
    rng: Rng,
  ) {
    const { ngf, inputNc, outputNc } = opts;
    // As in the reference: conv bias only with instance norm (which has no
    // affine shift of its own); the last convolution always has one.
    const bias = opts.norm === 'instance';
    this.blocks = residualBlocks(opts.netG);
    const b = this.blocks;
    addConv(
      this.params,
      'model.1',
      { kernel: 7, inChannels: inputNc, outChannels: ngf, bias },
      rng,
    );
    addConv(
      this.params,
      'model.4',
      { kernel: 3, inChannels: ngf, outChannels: 2 * ngf, bias },
      rng,
    );
    addConv(
      this.params,
      'model.7',
      { kernel: 3, inChannels: 2 * ngf, outChannels: 4 * ngf, bias },
      rng,
    );
    for (let i = 0; i < b; i++) {
      for (const j of [1, 5]) {
        const shape = { kernel: 3, inChannels: 4 * ngf, outChannels: 4 * ngf, bias };
        addConv(this.params, `model.${10 + i}.conv_block.${j}`, shape, rng);
      }
    }
    const up = { kernel: 3, transposed: true, bias };
    addConv(
      this.params,
      `model.${10 + b}`,
      { ...up, inChannels: 4 * ngf, outChannels: 2 * ngf },
      rng,
    );
    addConv(this.params, `model.${13 + b}`, { ...up, inChannels: 2 * ngf, outChannels: ngf }, rng);
    addConv(
      this.params,
      `model.${17 + b}`,
      { kernel: 7, inChannels: ngf, outChannels: outputNc, bias: true },
      rng,
    );
  }

  /** @param x [N, H, W, inputNc] in [-1, 1], H and W multiples of 4. @returns [N, H, W, outputNc] */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const p = this.params;
    const b = this.blocks;
    const instance = this.opts.norm === 'instance';
    // Norm and ReLU as one fused op where the backend has it (see instanceNorm).
    const norm = (t: tf.Tensor4D) => (instance ? instanceNorm(t) : t);
    const normRelu = (t: tf.Tensor4D) => (instance ? instanceNorm(t, 0) : tf.relu(t));
    const block = (i: number): Layer => {
      const name = `model.${10 + i}.conv_block`;
      return (t) => {
        const r = normRelu(conv(p, `${name}.1`, reflectionPad(t, 1), 1, 0));
        return residualAdd(t, norm(conv(p, `${name}.5`, reflectionPad(r, 1), 1, 0)));
      };
    };
    return sequential(x, [
      (t) => normRelu(conv(p, 'model.1', reflectionPad(t, 3), 1, 0)),
      (t) => normRelu(conv(p, 'model.4', t, 2, 1)),
      (t) => normRelu(conv(p, 'model.7', t, 2, 1)),
      ...Array.from({ length: b }, (_, i) => block(i)),
      (t) => normRelu(convTranspose2x(p, `model.${10 + b}`, t, 1)),
      (t) => normRelu(convTranspose2x(p, `model.${13 + b}`, t, 1)),
      (t) => tf.tanh(conv(p, `model.${17 + b}`, reflectionPad(t, 3), 1, 0)),
    ]);
  }
}
