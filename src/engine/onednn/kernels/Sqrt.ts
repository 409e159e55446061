import { tf } from '../../tf';
import { unaryKernel, UnaryOp } from '../elementwise';

export const sqrtConfig = unaryKernel(tf.Sqrt, UnaryOp.sqrt);
