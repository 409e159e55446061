import { tf } from '../../tf';
import { reduceKernel } from '../elementwise';

export const sumConfig = reduceKernel(tf.Sum, false);
