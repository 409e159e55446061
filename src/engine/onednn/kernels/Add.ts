import { tf } from '../../tf';
import { binaryKernel, BinaryOp } from '../elementwise';

export const addConfig = binaryKernel(tf.Add, BinaryOp.add);
