import { tf } from '../../tf';
import { unaryKernel, UnaryOp } from '../elementwise';

export const reluConfig = unaryKernel(tf.Relu, UnaryOp.relu);
