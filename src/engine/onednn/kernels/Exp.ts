import { tf } from '../../tf';
import { unaryKernel, UnaryOp } from '../elementwise';

export const expConfig = unaryKernel(tf.Exp, UnaryOp.exp);
