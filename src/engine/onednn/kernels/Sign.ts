import { tf } from '../../tf';
import { unaryKernel, UnaryOp } from '../elementwise';

export const signConfig = unaryKernel(tf.Sign, UnaryOp.sign);
