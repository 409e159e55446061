import { tf } from '../../tf';
import { binaryKernel, BinaryOp } from '../elementwise';

export const multiplyConfig = binaryKernel(tf.Multiply, BinaryOp.mul);
