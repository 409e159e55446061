import { tf } from '../../tf';
import { unaryKernel, UnaryOp } from '../elementwise';

export const tanhConfig = unaryKernel(tf.Tanh, UnaryOp.tanh);
