/**
 * The one list of native kernels of the onednn backend. Every other kernel of the backend is
 * the CPU backend's, re-registered under 'onednn' by index.ts.
 */
import { tf } from '../tf';
import { adamUpdateConfig } from './kernels/AdamUpdate';
import { absConfig } from './kernels/Abs';
import { addConfig } from './kernels/Add';
import { conv2DConfig } from './kernels/Conv2D';
import { conv2DBackpropFilterConfig } from './kernels/Conv2DBackpropFilter';
import { conv2DBackpropInputConfig } from './kernels/Conv2DBackpropInput';
import { expConfig } from './kernels/Exp';
import { fusedConv2DConfig } from './kernels/FusedConv2D';
import { instanceNormConfig } from './kernels/InstanceNorm';
import { instanceNormGradConfig } from './kernels/InstanceNormGrad';
import { leakyReluConfig } from './kernels/LeakyRelu';
import { maximumConfig } from './kernels/Maximum';
import { meanConfig } from './kernels/Mean';
import { minimumConfig } from './kernels/Minimum';
import { mirrorPadConfig } from './kernels/MirrorPad';
import { mirrorPadGradConfig } from './kernels/MirrorPadGrad';
import { multiplyConfig } from './kernels/Multiply';
import { negConfig } from './kernels/Neg';
import { realDivConfig } from './kernels/RealDiv';
import { reluConfig } from './kernels/Relu';
import { rsqrtConfig } from './kernels/Rsqrt';
import { sigmoidConfig } from './kernels/Sigmoid';
import { signConfig } from './kernels/Sign';
import { sqrtConfig } from './kernels/Sqrt';
import { squareConfig } from './kernels/Square';
import { squaredDifferenceConfig } from './kernels/SquaredDifference';
import { stepConfig } from './kernels/Step';
import { subConfig } from './kernels/Sub';
import { sumConfig } from './kernels/Sum';
import { tanhConfig } from './kernels/Tanh';

export const onednnKernelConfigs: tf.KernelConfig[] = [
  adamUpdateConfig,
  absConfig,
  addConfig,
  conv2DConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  expConfig,
  fusedConv2DConfig,
  instanceNormConfig,
  instanceNormGradConfig,
  leakyReluConfig,
  maximumConfig,
  meanConfig,
  minimumConfig,
  mirrorPadConfig,
  mirrorPadGradConfig,
  multiplyConfig,
  negConfig,
  realDivConfig,
  reluConfig,
  rsqrtConfig,
  sigmoidConfig,
  signConfig,
  sqrtConfig,
  squareConfig,
  squaredDifferenceConfig,
  stepConfig,
  subConfig,
  sumConfig,
  tanhConfig,
];
