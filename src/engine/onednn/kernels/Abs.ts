import { tf } from '../../tf';
import { unaryKernel, UnaryOp } from '../elementwise';

export const absConfig = unaryKernel(tf.Abs, UnaryOp.abs);
