import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  recoverDir,
  replaceDirAtomic,
  resolveDir,
  writeFileAtomic,
  writeFileAtomicSync,
} from '../../src/util/atomic';

/** Above any Linux pid_max (at most 2^22), so no process can have it. */
const DEAD_PID = 2147483647;

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-test-'));
}

function fillWith(files: Record<string, string>) {
  return async (dir: string) => {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  };
}

function readAll(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    out[name] = fs.readFileSync(path.join(dir, name), 'utf8');
  }
  return out;
}

test('writeFileAtomic: creates parents, replaces content, leaves no temp file', async () => {
  const root = tmpDir();
  const file = path.join(root, 'a', 'b', 'x.json');
  await writeFileAtomic(file, 'first');
  await writeFileAtomic(file, Uint8Array.from([0x68, 0x69]));
  assert.equal(fs.readFileSync(file, 'utf8'), 'hi');
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['x.json']);
  fs.rmSync(root, { recursive: true });
});

test('writeFileAtomicSync: same contract, synchronously', () => {
  const root = tmpDir();
  const file = path.join(root, 'n', 'log.jsonl');
  writeFileAtomicSync(file, 'a\n');
  writeFileAtomicSync(file, 'b\n');
  assert.equal(fs.readFileSync(file, 'utf8'), 'b\n');
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['log.jsonl']);
  fs.rmSync(root, { recursive: true });
});

test('replaceDirAtomic: creates, then replaces the whole folder', async () => {
  const root = tmpDir();
  const dir = path.join(root, 'ckpt', 'latest');
  await replaceDirAtomic(dir, fillWith({ 'a.txt': 'old a', 'b.txt': 'old b' }));
  assert.deepEqual(readAll(dir), { 'a.txt': 'old a', 'b.txt': 'old b' });
  await replaceDirAtomic(dir, fillWith({ 'a.txt': 'new a' }));
  assert.deepEqual(readAll(dir), { 'a.txt': 'new a' });
  assert.deepEqual(fs.readdirSync(path.dirname(dir)), ['latest']);
  fs.rmSync(root, { recursive: true });
});

test('replaceDirAtomic: a failing fill keeps the old folder and removes its temp folder', async () => {
  const root = tmpDir();
  const dir = path.join(root, 'latest');
  await replaceDirAtomic(dir, fillWith({ 'a.txt': 'old' }));
  await assert.rejects(
    replaceDirAtomic(dir, async (tmp) => {
      fs.writeFileSync(path.join(tmp, 'a.txt'), 'half');
      throw new Error('disk full');
    }),
    { message: 'disk full' },
  );
  assert.deepEqual(readAll(dir), { 'a.txt': 'old' });
  assert.deepEqual(fs.readdirSync(root), ['latest']);
  fs.rmSync(root, { recursive: true });
});

test('crash while filling: the torn temp folder of a dead process is deleted next time', async () => {
  const root = tmpDir();
  const dir = path.join(root, 'latest');
  await replaceDirAtomic(dir, fillWith({ 'a.txt': 'old' }));
  const torn = path.join(root, `.latest.tmp-${DEAD_PID}-abc123`);
  fs.mkdirSync(torn);
  fs.writeFileSync(path.join(torn, 'a.txt'), 'ha');
  assert.equal(resolveDir(dir), dir);
  await replaceDirAtomic(dir, fillWith({ 'a.txt': 'new' }));
  assert.deepEqual(fs.readdirSync(root), ['latest']);
  assert.deepEqual(readAll(dir), { 'a.txt': 'new' });
  fs.rmSync(root, { recursive: true });
});

test('crash between the two renames: the old folder is read from .old and restored', async () => {
  const root = tmpDir();
  const dir = path.join(root, 'latest');
  // State after step 2 of the swap: final name gone, old complete, new complete.
  const old = path.join(root, `.latest.old-${DEAD_PID}-0a0a`);
  const tmp = path.join(root, `.latest.tmp-${DEAD_PID}-0a0a`);
  fs.mkdirSync(old);
  fs.writeFileSync(path.join(old, 'a.txt'), 'old');
  fs.mkdirSync(tmp);
  fs.writeFileSync(path.join(tmp, 'a.txt'), 'new');

  assert.equal(resolveDir(dir), old);
  assert.equal(resolveDir(path.join(root, 'other')), null);
  recoverDir(dir);
  assert.deepEqual(fs.readdirSync(root), ['latest']);
  assert.deepEqual(readAll(dir), { 'a.txt': 'old' });
  fs.rmSync(root, { recursive: true });
});

test('leftovers of a live process are left alone', async () => {
  const root = tmpDir();
  const dir = path.join(root, 'latest');
  // Another live process: our parent.
  const busy = path.join(root, `.latest.tmp-${process.ppid}-beef`);
  fs.mkdirSync(busy);
  await replaceDirAtomic(dir, fillWith({ 'a.txt': 'x' }));
  assert.deepEqual(fs.readdirSync(root).sort(), [`.latest.tmp-${process.ppid}-beef`, 'latest']);
  fs.rmSync(root, { recursive: true });
});

test('leftovers with our own pid are stale (a restarted container reuses pids)', async () => {
  const root = tmpDir();
  const dir = path.join(root, 'latest');
  fs.mkdirSync(path.join(root, `.latest.tmp-${process.pid}-beef`));
  await replaceDirAtomic(dir, fillWith({ 'a.txt': 'x' }));
  assert.deepEqual(fs.readdirSync(root).sort(), ['latest']);
  fs.rmSync(root, { recursive: true });
});
