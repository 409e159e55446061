/**
 * The `onednn` backend: the CPU backend of TensorFlow.js with its hot kernels replaced by
 * native ones. Tensor data stays in the CPU backend's data map (Float32Arrays); native
 * kernels read those arrays in place and write into arrays allocated here, so no tensor is
 * ever copied across the JS/C++ boundary.
 *
 * Output arrays are recycled. A training step allocates gigabytes of short-lived tensors,
 * and fresh memory costs a page fault per 4 KiB on first touch: for an element-wise kernel
 * that is ~20x its arithmetic. So arrays allocated by `alloc` go back to a free list (by
 * length) when the last tensor using their buffer is disposed, and are handed out again
 * warm. Safety rests on two rules: every tensor entry is counted per ArrayBuffer (so views
 * that CPU kernels make with subarray keep a buffer alive), and reads (dataSync, data,
 * moving to another backend) get a copy of a recyclable array, never the array itself.
 */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import { tf } from '../tf';
import { NativeAddon, NativeBackend } from './addon';

export type Precision = 'fp32' | 'bf16';

type DataId = object;

/** Most bytes kept on the free lists; arrays returned beyond this are left to the GC. */
const MAX_POOLED_BYTES = 2 * 1024 ** 3;

export class OnednnBackend extends MathBackendCPU {
  readonly native: NativeBackend;
  /** Free arrays by length. */
  private readonly freeArrays = new Map<number, Float32Array[]>();
  private freeBytes = 0;
  /**
   * Buffers made by `alloc`, with the number of live tensor entries that use each. Weak, so
   * that an array dropped without being disposed (a kernel that threw) is simply collected.
   */
  private bufferUsers = new WeakMap<ArrayBufferLike, number>();
  private readonly dataNumbers = new WeakMap<DataId, number>();
  private nextDataNumber = 0;

  constructor(
    addon: NativeAddon,
    readonly threads: number,
    readonly precision: Precision,
    readonly isa: string,
  ) {
    super();
    // The CPU backend prints "install tfjs-node" on its first tensor; that advice is wrong
    // for this backend. `firstUse` is private in the typings, hence the reflective write.
    Reflect.set(this, 'firstUse', false);
    this.native = new addon.Backend(threads, precision === 'bf16');
  }

  /**
   * The float32 values of a tensor, as stored (no copy), or null when the tensor is not a
   * plain float32 tensor (then the kernel falls back to the CPU implementation).
   */
  floatValues(t: tf.TensorInfo): Float32Array | null {
    if (t.dtype !== 'float32') return null;
    const values = this.data.get(t.dataId).values;
    return values instanceof Float32Array ? values : null;
  }

  /**
   * A number for a tensor's data, the same for as long as the data lives and never reused.
   * The native side keys its copies of reordered filters on it (tensor data never changes).
   */
  dataNumber(dataId: DataId): number {
    let id = this.dataNumbers.get(dataId);
    if (id === undefined) {
      id = this.nextDataNumber++;
      this.dataNumbers.set(dataId, id);
    }
    return id;
  }

  /** An output array of `length` floats, recycled when possible; its contents are stale. */
  alloc(length: number): Float32Array {
    const reused = this.freeArrays.get(length)?.pop();
    if (reused !== undefined) {
      this.freeBytes -= reused.byteLength;
      return reused;
    }
    const fresh = new Float32Array(length);
    this.bufferUsers.set(fresh.buffer, 0);
    return fresh;
  }

  /** Wraps a freshly computed output array as a tensor of this backend. */
  output(values: Float32Array, shape: number[]): tf.TensorInfo {
    return this.makeTensorInfo(shape, 'float32', values);
  }

  override write(values: tf.BackendValues, shape: number[], dtype: tf.DataType): DataId {
    this.countUser(values, 1);
    return super.write(values, shape, dtype);
  }

  override move(
    dataId: DataId,
    values: tf.BackendValues,
    shape: number[],
    dtype: tf.DataType,
    refCount: number,
  ): void {
    if (this.data.has(dataId)) this.countUser(this.data.get(dataId).values, -1);
    this.countUser(values, 1);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const disposed = super.disposeData(dataId, force);
    if (disposed && values !== undefined && !this.data.has(dataId)) {
      this.countUser(values, -1);
      // A filter's reordered copies in the native cache are no longer needed.
      const id = this.dataNumbers.get(dataId);
      if (id !== undefined) this.native.releaseFilter(id);
    }
    return disposed;
  }

  override readSync(dataId: DataId): tf.BackendValues {
    const values = super.readSync(dataId);
    // A recyclable array must not escape: the caller may keep it after disposing the tensor.
    return values instanceof Float32Array && this.bufferUsers.has(values.buffer)
      ? values.slice()
      : values;
  }

  override dispose(): void {
    super.dispose();
    this.freeArrays.clear();
    this.bufferUsers = new WeakMap();
    this.freeBytes = 0;
    this.native.dispose();
  }

  /** Bytes on the free lists (for tests). */
  pooledBytes(): number {
    return this.freeBytes;
  }

  private countUser(values: tf.BackendValues | undefined, change: 1 | -1): void {
    if (!(values instanceof Float32Array)) return;
    const buffer = values.buffer;
    const users = this.bufferUsers.get(buffer);
    if (users === undefined) return;
    if (change > 0 || users > 1) {
      this.bufferUsers.set(buffer, users + change);
      return;
    }
    // The last tensor using this buffer is gone: recycle the whole array, unless the free
    // lists are full (then the array is simply dropped for the GC).
    this.bufferUsers.set(buffer, 0);
    if (this.freeBytes + buffer.byteLength > MAX_POOLED_BYTES) return;
    const array = new Float32Array(buffer);
    const list = this.freeArrays.get(array.length);
    if (list === undefined) this.freeArrays.set(array.length, [array]);
    else list.push(array);
    this.freeBytes += buffer.byteLength;
  }
}
