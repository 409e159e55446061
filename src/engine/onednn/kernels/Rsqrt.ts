import { tf } from '../../tf';
import { unaryKernel, UnaryOp } from '../elementwise';

export const rsqrtConfig = unaryKernel(tf.Rsqrt, UnaryOp.rsqrt);
