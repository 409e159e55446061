/**
 * The `onednn` backend: the CPU backend of TensorFlow.js with its hot kernels replaced by
 * native ones. Tensor data stays in the CPU backend's data map (Float32Arrays); native
 * kernels read those arrays in place and write into arrays allocated here, so no tensor is
 * ever copied across the JS/C++ boundary.
 */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import { tf } from '../tf';
import { NativeAddon, NativeBackend } from './addon';

export type Precision = 'fp32' | 'bf16';

export class OnednnBackend extends MathBackendCPU {
  readonly native: NativeBackend;

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

  /** Wraps a freshly computed output array as a tensor of this backend. */
  output(values: Float32Array, shape: number[]): tf.TensorInfo {
    return this.makeTensorInfo(shape, 'float32', values);
  }

  override dispose(): void {
    super.dispose();
    this.native.dispose();
  }
}
