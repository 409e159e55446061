import { tf } from '../../tf';
import { binaryKernel, BinaryOp } from '../elementwise';

export const maximumConfig = binaryKernel(tf.Maximum, BinaryOp.max);
