/**
 * The one list of native kernels of the onednn backend. Every other kernel of the backend is
 * the CPU backend's, re-registered under 'onednn' by index.ts.
 */
import { tf } from '../tf';
import { conv2DConfig } from './kernels/Conv2D';
import { conv2DBackpropFilterConfig } from './kernels/Conv2DBackpropFilter';
import { conv2DBackpropInputConfig } from './kernels/Conv2DBackpropInput';
import { fusedConv2DConfig } from './kernels/FusedConv2D';
import { instanceNormConfig } from './kernels/InstanceNorm';
import { instanceNormGradConfig } from './kernels/InstanceNormGrad';
import { mirrorPadConfig } from './kernels/MirrorPad';
import { mirrorPadGradConfig } from './kernels/MirrorPadGrad';

export const onednnKernelConfigs: tf.KernelConfig[] = [
  conv2DConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  fusedConv2DConfig,
  instanceNormConfig,
  instanceNormGradConfig,
  mirrorPadConfig,
  mirrorPadGradConfig,
];
