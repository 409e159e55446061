import { tf } from '../../tf';
import { binaryKernel, BinaryOp } from '../elementwise';

export const realDivConfig = binaryKernel(tf.RealDiv, BinaryOp.div);
