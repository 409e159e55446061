/**
 * The one list of native kernels of the onednn backend. Every other kernel of the backend is
 * the CPU backend's, re-registered under 'onednn' by index.ts.
 */
import { tf } from '../tf';
import { absConfig } from './kernels/Abs';
import { adamUpdateConfig } from './kernels/AdamUpdate';
import { addConfig } from './kernels/Add';
import { conv2DConfig } from './kernels/Conv2D';
import { conv2DBackpropFilterConfig } from './kernels/Conv2DBackpropFilter';
import { conv2DBackpropInputConfig } from './kernels/Conv2DBackpropInput';
import { expConfig } from './kernels/Exp';
import { fusedConv2DConfig } from './kernels/FusedConv2D';
import { greaterConfig } from './kernels/Greater';
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
import { padV2Config } from './kernels/PadV2';
import { realDivConfig } from './kernels/RealDiv';
import { reluConfig } from './kernels/Relu';
import { rsqrtConfig } from './kernels/Rsqrt';
import { selectConfig } from './kernels/Select';
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
  absConfig,
  adamUpdateConfig,
  addConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  conv2DConfig,
  expConfig,
  fusedConv2DConfig,
  greaterConfig,
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
  padV2Config,
  realDivConfig,
  reluConfig,
  rsqrtConfig,
  selectConfig,
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
