import { tf } from '../../tf';
import { unaryKernel, UnaryOp } from '../elementwise';

export const squareConfig = unaryKernel(tf.Square, UnaryOp.square);
