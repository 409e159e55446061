import { NetworkOptions, residualBlocks } from '../models/options';

/** One convolution layer: FLOPs of a forward pass, 2 · k² · Cin · Cout · Hout · Wout. */
interface ConvLayer {
  flops: number;
}

/** The generator's convolutions at input size H×W (transposed ones counted at their output). */
export function generatorLayers(
  net: Pick<NetworkOptions, 'netG' | 'ngf' | 'inputNc' | 'outputNc'>,
  h: number,
  w: number,
): ConvLayer[] {
  const { ngf, inputNc, outputNc } = net;
  const conv = (k: number, cin: number, cout: number, ho: number, wo: number) => ({
    flops: 2 * k * k * cin * cout * ho * wo,
  });
  const layers = [
    conv(7, inputNc, ngf, h, w),
    conv(3, ngf, 2 * ngf, h / 2, w / 2),
    conv(3, 2 * ngf, 4 * ngf, h / 4, w / 4),
  ];
  for (let i = 0; i < 2 * residualBlocks(net.netG); i++)
    layers.push(conv(3, 4 * ngf, 4 * ngf, h / 4, w / 4));
  // A transposed convolution costs what the convolution it transposes costs.
  layers.push(conv(3, 2 * ngf, 4 * ngf, h / 4, w / 4), conv(3, ngf, 2 * ngf, h / 2, w / 2));
  layers.push(conv(7, ngf, outputNc, h, w));
  return layers;
}

/** The 70×70 PatchGAN's convolutions (nLayers 3) at input size H×W. */
export function discriminatorLayers(
  ndf: number,
  channels: number,
  h: number,
  w: number,
): ConvLayer[] {
  const out = (s: number, stride: number) => Math.floor((s + 2 - 4) / stride) + 1;
  const layers: ConvLayer[] = [];
  let [ch, cw, cin] = [h, w, channels];
  const specs: Array<[number, number]> = [
    [ndf, 2],
    [2 * ndf, 2],
    [4 * ndf, 2],
    [8 * ndf, 1],
    [1, 1],
  ];
  for (const [cout, stride] of specs) {
    [ch, cw] = [out(ch, stride), out(cw, stride)];
    layers.push({ flops: 2 * 16 * cin * cout * ch * cw });
    cin = cout;
  }
  return layers;
}

const sum = (layers: ConvLayer[]) => layers.reduce((a, l) => a + l.flops, 0);

/**
 * Convolution FLOPs of one CycleGAN training step (batch 1), counted from the
 * layer shapes. A backward pass through a layer costs two forward passes (the
 * input gradient and the filter gradient), or one where only one of them is
 * needed:
 *   generator update: 6 generator passes forward and backward, 2 discriminator
 *     passes forward and back to their input (their weights are held fixed);
 *   discriminator update: 4 discriminator passes forward and backward.
 * Element-wise work (norms, activations, losses, Adam) is not counted.
 */
export function trainingStepFlops(net: NetworkOptions, h: number, w: number): number {
  const g = sum(generatorLayers(net, h, w));
  const d = sum(discriminatorLayers(net.ndf, net.outputNc, h, w));
  return 6 * 3 * g + 2 * 2 * d + 4 * 3 * d;
}

/** Convolution FLOPs of translating one image. */
export function translateFlops(net: NetworkOptions, h: number, w: number): number {
  return sum(generatorLayers(net, h, w));
}
