/**
 * guardHeap: a full wasm heap is a UserError at the allocation, and the backend still works
 * after it (without the guard the allocation returns address 0 and corrupts the module).
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import { tf } from '../../../src/engine/tf';
import { use } from './support';

test('wasm heap full: a UserError naming the size, then the backend still computes', async () => {
  await use('wasm');
  const backend = tf.backend() as tf.KernelBackend & {
    makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  };
  const held: tf.TensorInfo[] = [];
  let error: unknown = null;
  try {
    // 256 MB blocks, allocated but never written: no RAM is touched.
    for (let i = 0; i < 20; i++) held.push(backend.makeOutput([64, 1024, 1024], 'float32'));
  } catch (caught) {
    error = caught;
  }
  for (const info of held) backend.disposeData(info.dataId);
  assert.ok(held.length >= 8, `only ${held.length} blocks of 256 MB fitted`);
  assert.ok(error instanceof Error && error.name === 'UserError', String(error));
  assert.match(
    error.message,
    /^wasm backend out of memory: 256 MB more did not fit in its \d+ MB heap \(WebAssembly memory stops at 4096 MB\)$/,
  );

  const y = tf.conv2d(
    tf.ones([1, 6, 6, 4]) as tf.Tensor4D,
    tf.ones([3, 3, 4, 2]) as tf.Tensor4D,
    1,
    'same',
  );
  // A corner output sees 2×2 input pixels of 4 channels.
  assert.equal(y.dataSync()[0], 16);
  y.dispose();
});
