/**
 * Convolution geometries of the CycleGAN networks (and TensorFlow's own padding forms) at
 * odd and even small sizes, batch 1 and 3, 1, 3 and 64 channels.
 */
export type Pad = 'valid' | 'same' | number | [[0, 0], [number, number], [number, number], [0, 0]];

export interface ConvCase {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  pad: Pad;
}

export function explicit(p: number): Pad {
  return [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ];
}

function c(
  batch: number,
  [height, width]: [number, number],
  [inChannels, outChannels]: [number, number],
  kernel: number,
  stride: number,
  pad: Pad,
): ConvCase {
  return { batch, height, width, inChannels, outChannels, kernel, stride, pad };
}

export const CONV_CASES: ConvCase[] = [
  // Generator: 7×7 'valid' after reflection padding.
  c(1, [13, 11], [3, 64], 7, 1, 'valid'),
  c(3, [9, 9], [64, 3], 7, 1, 'valid'),
  // Generator downsampling: k3 s2, explicit pad 1 (PyTorch's padding=1).
  c(1, [9, 7], [64, 64], 3, 2, explicit(1)),
  c(3, [8, 10], [3, 64], 3, 2, explicit(1)),
  // Residual blocks: k3 'valid' after reflection padding.
  c(1, [7, 9], [64, 64], 3, 1, 'valid'),
  c(3, [5, 5], [1, 3], 3, 1, 'valid'),
  // PatchGAN: k4 pad 1, stride 2 and 1.
  c(1, [11, 9], [3, 64], 4, 2, explicit(1)),
  c(3, [7, 8], [64, 1], 4, 1, explicit(1)),
  // Numeric pad and TensorFlow's 'same' / 'valid' with stride 2.
  c(1, [9, 9], [3, 3], 3, 2, 1),
  c(3, [9, 7], [3, 3], 3, 2, 'same'),
  c(1, [9, 7], [1, 1], 3, 2, 'valid'),
  // A kernel narrower than the stride: some input rows get no gradient at all.
  c(3, [7, 6], [3, 3], 1, 2, 'valid'),
];

/** A readable test name: k3 s2 pad[1,1] x[1,9,7,64] -> 64. */
export function caseName(k: ConvCase): string {
  const pad = Array.isArray(k.pad) ? `pad[${k.pad[1]}]` : `pad ${k.pad}`;
  return (
    `k${k.kernel} s${k.stride} ${pad} x[${k.batch},${k.height},${k.width},${k.inChannels}]` +
    ` -> ${k.outChannels}`
  );
}
