/** The network settings a run is made of, with the reference's names. */
export interface NetworkOptions {
  /** Generator architecture. */
  netG: 'resnet_9blocks' | 'resnet_6blocks';
  /** Discriminator architecture: `basic` is the 70×70 PatchGAN (nLayersD 3). */
  netD: 'basic' | 'n_layers';
  nLayersD: number;
  /** Filters in the generator's first and last convolutions. */
  ngf: number;
  /** Filters in the discriminator's first convolution. */
  ndf: number;
  inputNc: 1 | 3;
  outputNc: 1 | 3;
  norm: 'instance' | 'none';
}

export interface LossOptions {
  ganMode: 'lsgan' | 'vanilla';
  /** Weight of the cycle loss A → B → A (paper eq. 2, λ). */
  lambdaA: number;
  /** Weight of the cycle loss B → A → B. */
  lambdaB: number;
  /** Identity loss weight, relative to lambdaA / lambdaB (paper section 5.2). */
  lambdaIdentity: number;
}

/** The settings that decide the networks' shapes, in the order the CLI lists them. */
export const networkOptionKeys = [
  'netG',
  'netD',
  'nLayersD',
  'ngf',
  'ndf',
  'inputNc',
  'outputNc',
  'norm',
] as const satisfies ReadonlyArray<keyof NetworkOptions>;

export const defaultNetworkOptions: NetworkOptions = {
  netG: 'resnet_9blocks',
  netD: 'basic',
  nLayersD: 3,
  ngf: 64,
  ndf: 64,
  inputNc: 3,
  outputNc: 3,
  norm: 'instance',
};

export const defaultLossOptions: LossOptions = {
  ganMode: 'lsgan',
  lambdaA: 10,
  lambdaB: 10,
  lambdaIdentity: 0.5,
};

export function residualBlocks(netG: NetworkOptions['netG']): number {
  return netG === 'resnet_6blocks' ? 6 : 9;
}
