import { tf } from '../../tf';
import { binaryKernel, BinaryOp } from '../elementwise';

export const subConfig = binaryKernel(tf.Sub, BinaryOp.sub);
