/**
 * Builders for the element-wise and reduction kernels: the TypeScript half works out shapes
 * and broadcasting, native/elementwise.cc runs the loops. Every case the native loops do not
 * cover (other dtypes, general broadcasting, non-contiguous reduction axes) runs the CPU
 * backend's kernel instead.
 */
import { tf } from '../tf';
import { cpuFallbackOne, onednnKernel, sizeOf } from './kernel_util';

/** Codes of native/elementwise.cc's BinaryOp. */
export const BinaryOp = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  max: 4,
  min: 5,
  squaredDifference: 6,
} as const;

/** Codes of native/elementwise.cc's UnaryOp. */
export const UnaryOp = {
  relu: 0,
  leakyRelu: 1,
  step: 2,
  sqrt: 3,
  square: 4,
  tanh: 5,
  abs: 6,
  neg: 7,
  rsqrt: 8,
  sigmoid: 9,
  exp: 10,
  sign: 11,
} as const;

/**
 * How an operand of `shape` repeats along a broadcast output of `outShape`, as a period in
 * elements: the output size (same shape), 1 (a scalar), or its own size when its shape,
 * leading 1s removed, is a trailing block of the output shape (a bias [C] against
 * [N, H, W, C]). Null for any other broadcast.
 */
export function broadcastPeriod(shape: number[], outShape: number[]): number | null {
  const size = sizeOf(shape);
  if (size === 1 || size === sizeOf(outShape)) return size;
  const first = shape.findIndex((d) => d !== 1);
  const core = shape.slice(first);
  const tail = outShape.slice(outShape.length - core.length);
  return core.every((d, i) => d === tail[i]) ? size : null;
}

export function binaryKernel(kernelName: string, op: number): tf.KernelConfig {
  return onednnKernel<{ a: tf.TensorInfo; b: tf.TensorInfo }, unknown>(kernelName, (args) => {
    const { inputs, backend } = args;
    const { a, b } = inputs;
    const aValues = backend.floatValues(a);
    const bValues = backend.floatValues(b);
    if (aValues === null || bValues === null) return cpuFallbackOne(kernelName, args);
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const aPeriod = broadcastPeriod(a.shape, outShape);
    const bPeriod = broadcastPeriod(b.shape, outShape);
    if (aPeriod === null || bPeriod === null) return cpuFallbackOne(kernelName, args);

    const n = sizeOf(outShape);
    const out = backend.alloc(n);
    backend.native.binary(op, aValues, aPeriod, bValues, bPeriod, out, n);
    return backend.output(out, outShape);
  });
}

/** `alphaOf` reads the op's parameter (LeakyRelu's slope, Step's value at x <= 0). */
export function unaryKernel(
  kernelName: string,
  op: number,
  alphaOf: (attrs: { alpha?: number }) => number = () => 0,
): tf.KernelConfig {
  return onednnKernel<{ x: tf.TensorInfo }, { alpha?: number }>(kernelName, (args) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const xValues = backend.floatValues(x);
    if (xValues === null) return cpuFallbackOne(kernelName, args);

    const out = backend.alloc(xValues.length);
    backend.native.unary(op, xValues, out, xValues.length, alphaOf(attrs));
    return backend.output(out, x.shape);
  });
}

/**
 * Sum (scale 1) or Mean (scale 1 / count) over axes that are adjacent in memory: the input
 * is viewed as [outer, reduced, inner] and reduced over the middle.
 */
export function reduceKernel(kernelName: string, mean: boolean): tf.KernelConfig {
  return onednnKernel<{ x: tf.TensorInfo }, { axis: number | number[]; keepDims: boolean }>(
    kernelName,
    (args) => {
      const { inputs, backend, attrs } = args;
      const { x } = inputs;
      const xValues = backend.floatValues(x);
      const axes = tf.util.parseAxisParam(attrs.axis, x.shape).sort((p, q) => p - q);
      const adjacent = axes.every((axis, i) => axis === axes[0] + i);
      if (xValues === null || axes.length === 0 || !adjacent || xValues.length === 0) {
        return cpuFallbackOne(kernelName, args);
      }

      const first = axes[0];
      const last = axes[axes.length - 1];
      const outer = sizeOf(x.shape.slice(0, first));
      const reduced = sizeOf(x.shape.slice(first, last + 1));
      const inner = sizeOf(x.shape.slice(last + 1));
      const outShape = attrs.keepDims
        ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
        : x.shape.filter((_, i) => !axes.includes(i));
      const out = backend.alloc(outer * inner);
      backend.native.sum(xValues, out, outer, reduced, inner, mean ? 1 / reduced : 1);
      return backend.output(out, outShape);
    },
  );
}
