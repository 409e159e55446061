/**
 * The onednn backend as a whole: status, registration options and their errors, the CPU
 * kernels it inherits, that the native kernels really run, and that dispose() frees the
 * primitive cache.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { tf } from '../../../src/engine/tf';
import {
  OnednnBackend,
  onednnInfo,
  onednnStatus,
  registerOnednnBackend,
} from '../../../src/engine/onednn';
import { loadAddon } from '../../../src/engine/onednn/addon';
import { cpuHasBf16, skipUnlessBuilt, useOnednn } from './support';

function onednnBackend(): OnednnBackend {
  const backend = tf.findBackend('onednn');
  assert.ok(backend instanceof OnednnBackend);
  return backend;
}

test('onednnStatus never throws and reports a one-line reason when unavailable', () => {
  const status = onednnStatus();
  if (!status.available) {
    assert.ok(status.reason && !status.reason.includes('\n'));
    assert.match(status.reason, /libdnnl-dev/);
  }
});

test('onednn: info reports threads, precision and the instruction set', skipUnlessBuilt(), () => {
  registerOnednnBackend({ threads: 1 });
  const info = onednnInfo();
  assert.equal(info.threads, 1);
  assert.equal(info.precision, 'fp32');
  assert.match(info.isa, /^(sse41|avx|avx2|avx2_vnni|avx512_\w+)$/);
  useOnednn();
  assert.equal(onednnInfo().threads, 2);
});

test('onednn: bad options are user errors naming the option', skipUnlessBuilt(), () => {
  assert.throws(() => registerOnednnBackend({ threads: 0 }), {
    name: 'UserError',
    message: 'threads: expected a positive integer but received 0',
  });
  assert.throws(() => registerOnednnBackend({ threads: 1.5 }), {
    message: 'threads: expected a positive integer but received 1.5',
  });
  if (!cpuHasBf16()) {
    assert.throws(() => registerOnednnBackend({ precision: 'bf16' }), {
      name: 'UserError',
      message: /^precision bf16 needs a CPU with AVX-512 BF16 or AMX, but this CPU offers /,
    });
  }
});

test('onednn: kernels it does not implement run the CPU ones', skipUnlessBuilt(), async () => {
  useOnednn();
  await tf.setBackend('onednn');
  const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
  const b = tf.tensor2d([5, 6, 7, 8], [2, 2]);
  assert.deepEqual(Array.from(tf.matMul(a, b).dataSync()), [19, 22, 43, 50]);
  assert.deepEqual(Array.from(tf.add(a, b).dataSync()), [6, 8, 10, 12]);
  assert.deepEqual(Array.from(tf.cast(a, 'int32').dataSync()), [1, 2, 3, 4]);
  tf.dispose([a, b]);
});

test(
  'onednn: conv2d and its gradients run natively; dispose frees the cache',
  skipUnlessBuilt(),
  async () => {
    useOnednn();
    await tf.setBackend('onednn');
    const backend = onednnBackend();
    // Each native primitive lands in the cache, so its size counts the native kernels that ran.
    backend.native.dispose();
    assert.equal(backend.native.cacheSize(), 0);
    tf.tidy(() => {
      const x = tf.ones([1, 5, 5, 2]) as tf.Tensor4D;
      const w = tf.ones([3, 3, 2, 1]) as tf.Tensor4D;
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid');
      // All-ones input and 3x3x2 filter: every output is 18.
      assert.deepEqual(Array.from(f(x, w).dataSync()), new Array(9).fill(18));
      assert.equal(backend.native.cacheSize(), 1);
      const [dx, dw] = tf.grads(f)([x, w]);
      // dy is all ones: every filter tap sees 9 input cells; a corner of x feeds one output.
      assert.deepEqual(Array.from(dw.dataSync()), new Array(18).fill(9));
      assert.equal(dx.dataSync()[0], 1);
      assert.equal(dx.dataSync()[2 * (2 * 5 + 2)], 9);
    });
    // forward, input gradient, filter gradient
    assert.equal(backend.native.cacheSize(), 3);
    backend.native.dispose();
    assert.equal(backend.native.cacheSize(), 0);
  },
);

test(
  'onednn: tensor count does not grow over repeated gradient steps',
  skipUnlessBuilt(),
  async () => {
    useOnednn();
    await tf.setBackend('onednn');
    const x = tf.randomNormal([1, 9, 9, 3]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
    const step = () =>
      tf.tidy(() => {
        const f = (a: tf.Tensor, b: tf.Tensor) =>
          tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same');
        tf.grads(f)([x, w]);
      });
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, w]);
  },
);

test(
  'onednn: output arrays are recycled only when no tensor or read uses them',
  skipUnlessBuilt(),
  async () => {
    useOnednn();
    await tf.setBackend('onednn');
    const backend = onednnBackend();
    const buffer = (t: tf.Tensor) => backend.floatValues(t)?.buffer;
    const x = tf.tensor1d([1, -2, 3, -4]);

    // A disposed output's array is handed to the next output of the same length.
    const first = tf.relu(x);
    const firstBuffer = buffer(first);
    const read = first.dataSync();
    first.dispose();
    const second = tf.neg(x);
    assert.equal(buffer(second), firstBuffer);
    assert.deepEqual(Array.from(second.dataSync()), [-1, 2, -3, 4]);
    // What dataSync returned is a copy, untouched by the reuse.
    assert.deepEqual(Array.from(read), [1, 0, 3, 0]);

    // A view onto an output (the CPU Slice kernel returns a subarray) keeps its buffer alive.
    const view = tf.slice(second, [1], [2]);
    second.dispose();
    const third = tf.abs(x);
    assert.notEqual(buffer(third), firstBuffer);
    assert.deepEqual(Array.from(view.dataSync()), [2, -3]);
    tf.dispose([x, view, third]);
  },
);

test(
  'onednn: filters of one shape keep their own reordered copies',
  skipUnlessBuilt(),
  async () => {
    useOnednn();
    await tf.setBackend('onednn');
    // Same shapes, different filters, used in turns: a stale cached copy would repeat a result.
    const x = tf.ones([1, 4, 4, 16]) as tf.Tensor4D;
    const filters = [1, 2, 3].map((v) => tf.fill([3, 3, 16, 16], v) as tf.Tensor4D);
    for (const round of [0, 1]) {
      filters.forEach((w, i) => {
        const y = tf.conv2d(x, w, 1, 'valid');
        // Each output sums 3*3*16 inputs of 1 times the filter value.
        assert.deepEqual(
          Array.from(y.dataSync()),
          new Array(64).fill(144 * (i + 1)),
          `round ${round}`,
        );
        const dx = tf.conv2dTranspose(y, w, [1, 4, 4, 16], 1, 'valid');
        assert.equal(dx.dataSync()[0], 144 * (i + 1) * 16 * (i + 1));
        tf.dispose([y, dx]);
      });
    }
    tf.dispose([x, ...filters]);
  },
);

test(
  'onednn: a disposed filter frees its copy for the next filter',
  skipUnlessBuilt(),
  async () => {
    useOnednn();
    await tf.setBackend('onednn');
    const x = tf.ones([1, 4, 4, 16]) as tf.Tensor4D;
    // Like an optimizer step: each round's filter replaces (and disposes) the last one.
    for (let round = 1; round <= 4; round++) {
      const w = tf.fill([3, 3, 16, 16], round) as tf.Tensor4D;
      const y = tf.conv2d(x, w, 1, 'valid');
      assert.deepEqual(Array.from(y.dataSync()), new Array(64).fill(144 * round));
      tf.dispose([w, y]);
    }
    x.dispose();
  },
);

test(
  'onednn: a filter used at two batch sizes shares one reordered copy, never read stale',
  skipUnlessBuilt(),
  async () => {
    useOnednn();
    await tf.setBackend('onednn');
    // Two batch sizes are two primitives sharing one reordered copy per filter.
    const inputs = [1, 3].map((n) => tf.ones([n, 4, 4, 16]) as tf.Tensor4D);
    const check = (w: tf.Tensor4D, value: number, order: tf.Tensor4D[], what: string) => {
      for (const x of order) {
        const y = tf.conv2d(x, w, 1, 'valid');
        assert.deepEqual(
          Array.from(y.dataSync()),
          new Array(x.shape[0] * 64).fill(144 * value),
          `${what}, batch ${x.shape[0]}`,
        );
        y.dispose();
      }
    };
    // Replaced every round, batch 1 first in odd rounds and batch 3 first in even ones,
    // so either primitive is the copy's owner when the filter is disposed.
    for (let round = 1; round <= 4; round++) {
      const w = tf.fill([3, 3, 16, 16], round) as tf.Tensor4D;
      check(w, round, round % 2 ? inputs : [...inputs].reverse(), `round ${round}`);
      w.dispose();
    }
    // 70 filters kept alive: the batch-1 primitive's cache (64 copies) evicts the
    // oldest and reuses its buffer; the batch-3 primitive must not read it after that.
    const kept = Array.from(
      { length: 70 },
      (_, i) => tf.fill([3, 3, 16, 16], i + 1) as tf.Tensor4D,
    );
    kept.forEach((w, i) => check(w, i + 1, inputs, `kept filter ${i + 1}`));
    kept.forEach((w, i) => check(w, i + 1, [inputs[1]], `kept filter ${i + 1} again`));
    tf.dispose([...inputs, ...kept]);
  },
);

test('loadAddon explains in one line what is missing and how to build it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onednn-'));
  try {
    const missing = loadAddon(dir);
    assert.equal(missing.addon, null);
    if (missing.addon === null) {
      assert.equal(
        missing.reason,
        'build/Release/cyclegan_onednn.node not built; to build it: apt-get install ' +
          'libdnnl-dev, then npm rebuild (or node scripts/build-native.js)',
      );
    }
    fs.mkdirSync(path.join(dir, 'build', 'Release'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'build', 'Release', 'cyclegan_onednn.node'), 'not a library');
    const broken = loadAddon(dir);
    assert.equal(broken.addon, null);
    if (broken.addon === null) {
      assert.match(broken.reason, /^build\/Release\/cyclegan_onednn\.node failed to load \(.*\); /);
      assert.ok(!broken.reason.includes('\n'));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
