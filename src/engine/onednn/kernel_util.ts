/**
 * Shared helpers of the onednn kernels: typed kernel configs, the CPU fallback, and the
 * integer geometry handed to the native side.
 */
import { tf } from '../tf';
import { OnednnBackend } from './backend';

export const BACKEND_NAME = 'onednn';

export interface KernelArgs<I, A> {
  inputs: I;
  backend: OnednnBackend;
  attrs: A;
}

type Result = tf.TensorInfo | tf.TensorInfo[];

/**
 * A kernel config for the onednn backend from a function with typed inputs and attributes.
 * TensorFlow.js hands every kernel untyped maps; the kernel's name fixes what they hold, so
 * this is the one place that narrows them.
 */
export function onednnKernel<I, A>(
  kernelName: string,
  fn: (args: KernelArgs<I, A>) => Result,
): tf.KernelConfig {
  return {
    kernelName,
    backendName: BACKEND_NAME,
    kernelFunc: ({ inputs, backend, attrs }) => {
      if (!(backend instanceof OnednnBackend)) {
        throw new Error(`${kernelName}: expected the onednn backend, received another backend`);
      }
      return fn({ inputs: inputs as unknown as I, backend, attrs: (attrs ?? {}) as unknown as A });
    },
  };
}

/** Runs the CPU backend's implementation of a kernel (for cases the native side skips). */
export function cpuFallback(
  kernelName: string,
  args: KernelArgs<unknown, unknown>,
): tf.TensorInfo | tf.TensorInfo[] {
  const cpu = tf.getKernel(kernelName, 'cpu');
  if (cpu === undefined) throw new Error(`${kernelName}: no CPU kernel to fall back on`);
  return cpu.kernelFunc({
    inputs: args.inputs as tf.NamedTensorInfoMap,
    backend: args.backend,
    attrs: args.attrs as tf.NamedAttrMap,
  });
}

/** The CPU fallback of a kernel that has exactly one output. */
export function cpuFallbackOne(
  kernelName: string,
  args: KernelArgs<unknown, unknown>,
): tf.TensorInfo {
  const result = cpuFallback(kernelName, args);
  if (Array.isArray(result))
    throw new Error(`${kernelName}: expected one output from the CPU kernel`);
  return result;
}

export type Shape4D = [number, number, number, number];

/** A rank-4 shape as the tuple type the conv helpers of TensorFlow.js expect. */
export function shape4D(shape: number[], kernelName: string, name: string): Shape4D {
  if (shape.length !== 4) {
    throw new Error(`${kernelName}: ${name} must be rank 4, received shape [${shape.join(', ')}]`);
  }
  return [shape[0], shape[1], shape[2], shape[3]];
}

/**
 * The 17 integers every native convolution takes, in the order of native/conv.cc's
 * ConvGeometry: shapes, filter size, strides, dilations, and the pads top, left, bottom,
 * right exactly as TensorFlow.js computed them ('same', 'valid', a number or explicit pads).
 */
export function convGeometry(c: tf.backend_util.Conv2DInfo): number[] {
  return [
    c.batchSize,
    c.inHeight,
    c.inWidth,
    c.inChannels,
    c.outHeight,
    c.outWidth,
    c.outChannels,
    c.filterHeight,
    c.filterWidth,
    c.strideHeight,
    c.strideWidth,
    c.dilationHeight,
    c.dilationWidth,
    c.padInfo.top,
    c.padInfo.left,
    c.padInfo.bottom,
    c.padInfo.right,
  ];
}

export function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const MIRROR_PAD_RANK = 4;

/**
 * The integer arguments of the native mirrorPad / mirrorPadGrad for a tensor of rank up to 4
 * with dims `inShape`: the shape and paddings widened to rank 4 with leading 1s, then the
 * mode (0 reflect, 1 symmetric). Null for ranks the native side does not handle.
 */
export function mirrorPadArgs(
  inShape: number[],
  paddings: Array<[number, number]>,
  mode: 'reflect' | 'symmetric',
): number[] | null {
  const shapeArgs = padShapeArgs(inShape, paddings);
  return shapeArgs === null ? null : [...shapeArgs, mode === 'reflect' ? 0 : 1];
}

/** The shape and paddings widened to rank 4 (the common part of every pad kernel's args). */
export function padShapeArgs(
  inShape: number[],
  paddings: Array<[number, number]>,
): number[] | null {
  if (inShape.length > MIRROR_PAD_RANK || paddings.length !== inShape.length) return null;
  const lead = MIRROR_PAD_RANK - inShape.length;
  const dims = [...new Array<number>(lead).fill(1), ...inShape];
  const pads = [...new Array<[number, number]>(lead).fill([0, 0]), ...paddings];
  return [...dims, ...pads.flat()];
}

export function paddedShape(inShape: number[], paddings: Array<[number, number]>): number[] {
  return inShape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
}
