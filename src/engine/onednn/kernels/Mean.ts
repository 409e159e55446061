import { tf } from '../../tf';
import { reduceKernel } from '../elementwise';

export const meanConfig = reduceKernel(tf.Mean, true);
