import { tf } from '../../tf';
import { unaryKernel, UnaryOp } from '../elementwise';

export const sigmoidConfig = unaryKernel(tf.Sigmoid, UnaryOp.sigmoid);
