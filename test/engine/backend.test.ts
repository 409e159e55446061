/**
 * selectBackend: option errors, each backend by name, 'auto', repeated calls, and that a
 * process using the threaded wasm backend still exits by itself.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

import { BackendName, selectBackend } from '../../src/engine/backend';
import { tf } from '../../src/engine/tf';

function onednnReason(): string | null {
  try {
    const status = (
      require('../../src/engine/onednn') as typeof import('../../src/engine/onednn')
    ).onednnStatus();
    return status.available ? null : (status.reason ?? 'unknown');
  } catch (error) {
    return String(error);
  }
}

test('selectBackend: bad options are user errors naming the option', async () => {
  await assert.rejects(selectBackend({ backend: 'gpu' as BackendName }), {
    name: 'UserError',
    message: "backend: expected one of auto, onednn, wasm, cpu but received 'gpu'",
  });
  await assert.rejects(selectBackend({ threads: 0 }), {
    name: 'UserError',
    message: 'threads: expected a positive integer but received 0',
  });
  await assert.rejects(selectBackend({ threads: 1.5 }), {
    message: 'threads: expected a positive integer but received 1.5',
  });
  await assert.rejects(selectBackend({ precision: 'fp16' as 'fp32' }), {
    name: 'UserError',
    message: "precision: expected 'fp32' or 'bf16' but received 'fp16'",
  });
});

test('selectBackend: bf16 off onednn is a user error', async () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    await assert.rejects(selectBackend({ backend, precision: 'bf16' }), {
      name: 'UserError',
      message: `precision bf16 needs the onednn backend, but the backend is ${backend}`,
    });
  }
});

test('selectBackend cpu: the cpu backend, one thread, fp32', async () => {
  const choice = await selectBackend({ backend: 'cpu' });
  assert.deepEqual(choice, { name: 'cpu', threads: 1, precision: 'fp32', notes: [] });
  assert.equal(tf.getBackend(), 'cpu');
});

test('selectBackend wasm threads 2: threaded wasm with the training kernels', async () => {
  const choice = await selectBackend({ backend: 'wasm', threads: 2 });
  assert.equal(choice.name, 'wasm');
  assert.equal(choice.precision, 'fp32');
  assert.equal(tf.getBackend(), 'wasm');
  assert.ok(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm'), 'Conv2DBackpropFilter registered');
  // Threads are only unavailable when the threaded build fails to load, which a note says.
  if (choice.threads !== 2) assert.match(choice.notes.join('\n'), /wasm threads unavailable/);
  else assert.deepEqual(choice.notes, []);
});

test('selectBackend wasm twice: same backend, tensors kept; other threads get a note', async () => {
  const first = await selectBackend({ backend: 'wasm', threads: 2 });
  const backend = tf.backend();
  const kept = tf.tensor([1, 2, 3]);
  const again = await selectBackend({ backend: 'wasm', threads: 2 });
  assert.deepEqual(again, first);
  assert.equal(tf.backend(), backend);
  assert.deepEqual(Array.from(kept.dataSync()), [1, 2, 3]);
  const other = await selectBackend({ backend: 'wasm', threads: first.threads + 1 });
  assert.equal(other.threads, first.threads);
  assert.deepEqual(other.notes, [
    `wasm backend already running on ${first.threads} thread(s); restart to change`,
  ]);
  kept.dispose();
});

test('selectBackend onednn: used when built, else a user error with the reason', async () => {
  const reason = onednnReason();
  if (reason === null) {
    const choice = await selectBackend({ backend: 'onednn', threads: 2 });
    assert.deepEqual(choice, { name: 'onednn', threads: 2, precision: 'fp32', notes: [] });
    assert.equal(tf.getBackend(), 'onednn');
  } else {
    await assert.rejects(selectBackend({ backend: 'onednn' }), {
      name: 'UserError',
      message: `backend onednn is not available: ${reason}`,
    });
  }
});

test('selectBackend auto: onednn when built, else wasm with a note saying why', async () => {
  const reason = onednnReason();
  const choice = await selectBackend({ backend: 'auto', threads: 2 });
  if (reason === null) {
    assert.equal(choice.name, 'onednn');
  } else {
    assert.equal(choice.name, 'wasm');
    assert.equal(choice.notes[0], `onednn backend not used: ${reason}`);
  }
  assert.equal(tf.getBackend(), choice.name);
});

test('a process on threaded wasm exits by itself when done', () => {
  const backendModule = path.join(__dirname, '..', '..', 'src', 'engine', 'backend.js');
  const script = `
    const { selectBackend } = require(${JSON.stringify(backendModule)});
    const { tf } = require(${JSON.stringify(path.join(path.dirname(backendModule), 'tf.js'))});
    selectBackend({ backend: 'wasm', threads: 2 }).then((choice) => {
      const x = tf.ones([1, 8, 8, 4]);
      const dW = tf.grad((f) => tf.sum(tf.conv2d(x, f, 1, 'same')))(tf.ones([3, 3, 4, 2]));
      console.log(choice.threads, dW.dataSync()[0]);
    });`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60000 });
  assert.equal(result.signal, null, 'killed by the timeout: the process did not exit');
  assert.equal(result.status, 0, result.stderr);
  // Tap (0,0) of a 3×3 'same' conv over 8×8 ones meets the pixels off the last row and
  // column: 7 × 7 = 49.
  assert.match(result.stdout, /^\d 49\n$/);
});

test('a crash on threaded wasm prints the error, not the minified wasm glue', () => {
  const backendModule = path.join(__dirname, '..', '..', 'src', 'engine', 'backend.js');
  const script = `
    const { selectBackend } = require(${JSON.stringify(backendModule)});
    selectBackend({ backend: 'wasm', threads: 2 }).then(() => { throw new Error('boom'); });`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60000 });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /Error: boom/);
  assert.ok(result.stderr.length < 2000, `stderr has ${result.stderr.length} characters`);
});
