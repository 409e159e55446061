import { tf } from '../../tf';
import { binaryKernel, BinaryOp } from '../elementwise';

export const squaredDifferenceConfig = binaryKernel(
  tf.SquaredDifference,
  BinaryOp.squaredDifference,
);
