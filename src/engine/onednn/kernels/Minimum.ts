import { tf } from '../../tf';
import { binaryKernel, BinaryOp } from '../elementwise';

export const minimumConfig = binaryKernel(tf.Minimum, BinaryOp.min);
