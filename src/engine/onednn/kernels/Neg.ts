import { tf } from '../../tf';
import { unaryKernel, UnaryOp } from '../elementwise';

export const negConfig = unaryKernel(tf.Neg, UnaryOp.neg);
