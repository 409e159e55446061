import { tf } from '../../tf';
import { unaryKernel, UnaryOp } from '../elementwise';

export const leakyReluConfig = unaryKernel(
  tf.LeakyRelu,
  UnaryOp.leakyRelu,
  (attrs) => attrs.alpha ?? 0.2,
);
