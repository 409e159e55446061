import { tf } from '../../tf';
import { unaryKernel, UnaryOp } from '../elementwise';

export const stepConfig = unaryKernel(tf.Step, UnaryOp.step, (attrs) => attrs.alpha ?? 0);
