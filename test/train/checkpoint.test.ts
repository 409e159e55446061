import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CheckpointData,
  listCheckpoints,
  loadCheckpoint,
  saveCheckpoint,
} from '../../src/train/checkpoint';
import { readSafetensors } from '../../src/io/safetensors';
import { UserError } from '../../src/util/errors';

/** Above any Linux pid_max, so no live process has it. */
const DEAD_PID = 2147483647;

function tmpRun(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'checkpoint-test-'));
}

function ramp(n: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (i - n / 2) * scale);
}

function sample(step: number): CheckpointData {
  const net = (s: number) => ({
    'model.1.weight': { data: ramp(8 * 3 * 7 * 7, s), shape: [8, 3, 7, 7] },
    'model.1.bias': { data: ramp(8, s), shape: [8] },
  });
  return {
    networks: { G_A: net(0.01), G_B: net(0.02), D_A: net(0.03), D_B: net(0.04) },
    optimizer: {
      'G.m.G_A.model.1.weight': { data: ramp(8 * 3 * 7 * 7, 1e-4), shape: [8, 3, 7, 7] },
      'G.v.G_A.model.1.weight': { data: ramp(8 * 3 * 7 * 7, 1e-6), shape: [8, 3, 7, 7] },
    },
    pools: { fakeA: { data: ramp(2 * 4 * 4 * 3, 0.1), shape: [2, 4, 4, 3] } },
    state: { step, epoch: 3, rng: [1, 2, 3, 4294967295], options: { lr: 0.0002, name: 'h2z' } },
  };
}

test('save then load: every tensor, shape and state value comes back', async () => {
  const run = tmpRun();
  const data = sample(1200);
  await saveCheckpoint(run, 'latest', data);
  const dir = path.join(run, 'checkpoints', 'latest');
  assert.deepEqual(fs.readdirSync(dir).sort(), [
    'D_A.safetensors',
    'D_B.safetensors',
    'G_A.safetensors',
    'G_B.safetensors',
    'optimizer.safetensors',
    'pools.safetensors',
    'state.json',
  ]);
  assert.deepEqual(await loadCheckpoint(run, 'latest'), data);
  // Network files carry PyTorch's format tag, so safetensors.torch.load_file accepts them.
  assert.deepEqual((await readSafetensors(path.join(dir, 'G_A.safetensors'))).metadata, {
    format: 'pt',
  });
  fs.rmSync(run, { recursive: true });
});

test('no pools: no pools file, loads as empty', async () => {
  const run = tmpRun();
  const data = { ...sample(5), pools: {} };
  await saveCheckpoint(run, 'epoch_1', data);
  assert.ok(!fs.existsSync(path.join(run, 'checkpoints', 'epoch_1', 'pools.safetensors')));
  assert.deepEqual(await loadCheckpoint(run, 'epoch_1'), data);
  fs.rmSync(run, { recursive: true });
});

test('saving a NaN or an infinity is refused and the old checkpoint stays intact', async () => {
  const run = tmpRun();
  const good = sample(100);
  await saveCheckpoint(run, 'latest', good);

  const bad = sample(200);
  bad.networks.D_B['model.1.bias'].data[5] = NaN;
  await assert.rejects(saveCheckpoint(run, 'latest', bad), {
    message:
      "refusing to save checkpoint 'latest': D_B.safetensors tensor 'model.1.bias' has NaN at index 5",
  });
  const inf = sample(200);
  inf.optimizer['G.v.G_A.model.1.weight'].data[3] = -Infinity;
  await assert.rejects(saveCheckpoint(run, 'latest', inf), {
    message:
      "refusing to save checkpoint 'latest': optimizer.safetensors tensor " +
      "'G.v.G_A.model.1.weight' has -Infinity at index 3",
  });
  const badState = sample(200);
  badState.state.losses = { G: 1, D: [0.5, NaN] };
  await assert.rejects(saveCheckpoint(run, 'latest', badState), {
    message: "refusing to save checkpoint 'latest': state.json has NaN at state.losses.D[1]",
  });

  assert.deepEqual(await loadCheckpoint(run, 'latest'), good);
  assert.deepEqual(fs.readdirSync(path.join(run, 'checkpoints')), ['latest']);
  fs.rmSync(run, { recursive: true });
});

test('crash while writing: a torn temp folder is ignored, then cleaned by the next save', async () => {
  const run = tmpRun();
  await saveCheckpoint(run, 'latest', sample(100));
  const torn = path.join(run, 'checkpoints', `.latest.tmp-${DEAD_PID}-c0ffee`);
  fs.mkdirSync(torn);
  fs.writeFileSync(path.join(torn, 'G_A.safetensors'), 'torn');

  assert.deepEqual(listCheckpoints(run), ['latest']);
  assert.equal((await loadCheckpoint(run, 'latest')).state.step, 100);

  await saveCheckpoint(run, 'latest', sample(300));
  assert.deepEqual(fs.readdirSync(path.join(run, 'checkpoints')), ['latest']);
  assert.equal((await loadCheckpoint(run, 'latest')).state.step, 300);
  fs.rmSync(run, { recursive: true });
});

test('crash between the renames: the previous checkpoint still loads and is restored', async () => {
  const run = tmpRun();
  await saveCheckpoint(run, 'latest', sample(100));
  const root = path.join(run, 'checkpoints');
  // What the swap leaves if the process dies after moving the old folder aside.
  fs.renameSync(path.join(root, 'latest'), path.join(root, `.latest.old-${DEAD_PID}-1234`));

  assert.deepEqual(listCheckpoints(run), ['latest']);
  assert.equal((await loadCheckpoint(run, 'latest')).state.step, 100);

  await saveCheckpoint(run, 'latest', sample(400));
  assert.deepEqual(fs.readdirSync(root), ['latest']);
  assert.equal((await loadCheckpoint(run, 'latest')).state.step, 400);
  fs.rmSync(run, { recursive: true });
});

test('listCheckpoints: epochs numerically, then other tags; incomplete folders skipped', async () => {
  const run = tmpRun();
  assert.deepEqual(listCheckpoints(run), []);
  const small: CheckpointData = { networks: {}, optimizer: {}, pools: {}, state: { step: 0 } };
  for (const tag of ['latest', 'epoch_10', 'epoch_2', 'best'])
    await saveCheckpoint(run, tag, small);
  fs.mkdirSync(path.join(run, 'checkpoints', 'epoch_3')); // no state.json
  assert.deepEqual(listCheckpoints(run), ['epoch_2', 'epoch_10', 'best', 'latest']);
  fs.rmSync(run, { recursive: true });
});

test('loading a missing checkpoint: UserError naming the folder, hint lists --epoch values', async () => {
  const run = tmpRun();
  const want = path.join(run, 'checkpoints', 'epoch_7');
  await assert.rejects(
    loadCheckpoint(run, 'epoch_7'),
    new UserError(
      `no checkpoint at ${want}`,
      'this run has no checkpoints yet; train without --continue to start it',
    ),
  );
  const small: CheckpointData = { networks: {}, optimizer: {}, pools: {}, state: {} };
  await saveCheckpoint(run, 'epoch_5', small);
  await saveCheckpoint(run, 'latest', small);
  await assert.rejects(loadCheckpoint(run, 'epoch_7'), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.equal(err.message, `no checkpoint at ${want}`);
    assert.equal(err.hint, 'this run has --epoch 5, --epoch latest');
    return true;
  });
  fs.rmSync(run, { recursive: true });
});

test('a damaged file in a checkpoint is a UserError naming that file', async () => {
  const run = tmpRun();
  await saveCheckpoint(run, 'latest', sample(1));
  const file = path.join(run, 'checkpoints', 'latest', 'G_B.safetensors');
  fs.truncateSync(file, fs.statSync(file).size - 4);
  await assert.rejects(loadCheckpoint(run, 'latest'), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.ok(err.message.startsWith(`${file}: not a valid safetensors file: file is truncated`));
    return true;
  });
  fs.rmSync(run, { recursive: true });
});

test('bad tag or network name is a programming error', async () => {
  const run = tmpRun();
  await assert.rejects(saveCheckpoint(run, '../x', sample(1)), {
    message: "checkpoint tag must match /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, got '../x'",
  });
  const data = sample(1);
  data.networks.optimizer = {};
  await assert.rejects(saveCheckpoint(run, 'latest', data), {
    message: "refusing to save checkpoint 'latest': 'optimizer' cannot be used as a network name",
  });
  fs.rmSync(run, { recursive: true });
});
