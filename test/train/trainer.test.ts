import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tf } from '../../src/engine/tf';
import { TrainOptions, trainDefaults } from '../../src/cli/options';
import { CycleGAN } from '../../src/models/cyclegan';
import { train, TrainerEvents } from '../../src/train/trainer';
import { maxWeightDifference } from '../support/weights';
import { Rng } from '../../src/util/rng';
import { makeTinyDataset } from '../support/tiny_dataset';

const quiet: TrainerEvents = {
  start: () => undefined,
  epochStart: () => undefined,
  iteration: () => undefined,
  epochEnd: () => undefined,
  warning: () => undefined,
};

/** Aborts the run after `n` training steps. */
function stopAfter(n: number): { events: TrainerEvents; signal: AbortSignal } {
  const controller = new AbortController();
  let steps = 0;
  const events = {
    ...quiet,
    iteration: () => {
      if (++steps === n) controller.abort();
    },
  };
  return { events, signal: controller.signal };
}

describe('trainer on cpu (tiny data set, 24×24)', () => {
  let dataroot: string;
  let runs: string;
  const options = (name: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({
    ...trainDefaults,
    dataroot,
    name,
    checkpointsDir: runs,
    netG: 'resnet_6blocks',
    ngf: 4,
    ndf: 4,
    inputNc: 1,
    outputNc: 1,
    loadSize: 28,
    cropSize: 24,
    poolSize: 2,
    nEpochs: 1,
    nEpochsDecay: 1,
    displayFreq: 2,
    printFreq: 1,
    saveEpochFreq: 1,
    seed: 3,
    backend: 'cpu',
    ...extra,
  });

  before(async () => {
    await tf.setBackend('cpu');
    dataroot = await makeTinyDataset();
    runs = fs.mkdtempSync(path.join(os.tmpdir(), 'cyclegan-runs-'));
  });
  after(() => {
    fs.rmSync(dataroot, { recursive: true, force: true });
    fs.rmSync(runs, { recursive: true, force: true });
  });

  it('writes options, log, samples, report and checkpoints', async () => {
    const { model, position } = await train(options('files'), trainDefaults, quiet);
    model.dispose();
    const run = path.join(runs, 'files');
    assert.deepEqual(position, { epoch: 3, iteration: 0, totalIterations: 6 });
    const opts = JSON.parse(fs.readFileSync(path.join(run, 'options.json'), 'utf8'));
    assert.equal(opts.options.ngf, 4);
    assert.ok(opts.nonDefault.includes('ngf'));
    assert.ok(!opts.nonDefault.includes('lambdaA'));
    const log = fs.readFileSync(path.join(run, 'log.jsonl'), 'utf8').trim().split('\n');
    assert.equal(log.length, 6);
    const first = JSON.parse(log[0]);
    assert.deepEqual(Object.keys(first.losses).sort(), [
      'D_A',
      'D_B',
      'G_A',
      'G_B',
      'cycle_A',
      'cycle_B',
      'idt_A',
      'idt_B',
    ]);
    assert.equal(first.lr, 2e-4);
    assert.equal(JSON.parse(log[5]).lr, 2e-4 * (1 - 1 / 2));
    assert.equal(fs.readdirSync(path.join(run, 'samples')).length, 3);
    assert.ok(fs.existsSync(path.join(run, 'index.html')));
    const tags = fs.readdirSync(path.join(run, 'checkpoints')).sort();
    assert.deepEqual(tags, ['epoch_1', 'epoch_2', 'latest']);
    const files = fs.readdirSync(path.join(run, 'checkpoints', 'latest')).sort();
    assert.deepEqual(files, [
      'D_A.safetensors',
      'D_B.safetensors',
      'G_A.safetensors',
      'G_B.safetensors',
      'optimizer.safetensors',
      'pools.safetensors',
      'state.json',
    ]);
  });

  it('a stopped run continued with --continue ends with the same weights', async () => {
    const whole = await train(options('whole'), trainDefaults, quiet);
    // Stop in the middle of the first epoch, then at the end of it, then finish.
    const first = stopAfter(2);
    const a = await train(options('resumed'), trainDefaults, first.events, first.signal);
    assert.equal(a.stopped, true);
    assert.deepEqual(a.position, { epoch: 1, iteration: 2, totalIterations: 2 });
    a.model.dispose();
    const second = stopAfter(1);
    const b = await train(
      options('resumed', { continueTrain: true }),
      trainDefaults,
      second.events,
      second.signal,
    );
    assert.deepEqual(b.position, { epoch: 1, iteration: 3, totalIterations: 3 });
    b.model.dispose();
    const c = await train(options('resumed', { continueTrain: true }), trainDefaults, quiet);
    assert.equal(c.stopped, false);
    const diff = maxWeightDifference(whole.model, c.model);
    assert.ok(diff <= 1e-6, `max |difference| ${diff}`);
    assert.equal(whole.model.step, c.model.step);
    const log = fs
      .readFileSync(path.join(runs, 'resumed', 'log.jsonl'), 'utf8')
      .trim()
      .split('\n');
    assert.deepEqual(
      log.map((l) => JSON.parse(l).iteration),
      [1, 2, 3, 4, 5, 6],
    );
    whole.model.dispose();
    c.model.dispose();
  });

  it('refuses to start over a run that has checkpoints, and to continue a missing one', async () => {
    await assert.rejects(train(options('files'), trainDefaults, quiet), {
      message: `The run folder ${path.join(runs, 'files')} already holds checkpoints.`,
    });
    await assert.rejects(train(options('nothing', { continueTrain: true }), trainDefaults, quiet), {
      message: `No checkpoint to continue from in ${path.join(runs, 'nothing', 'checkpoints', 'latest')}.`,
    });
  });

  it('keeps the tensor count stable over training steps', () => {
    const model = new CycleGAN({ ...options('count'), poolSize: 1 }, Rng.derive(1));
    const a = tf.randomUniform([1, 24, 24, 1], -1, 1) as tf.Tensor4D;
    const b = tf.randomUniform([1, 24, 24, 1], -1, 1) as tf.Tensor4D;
    model.trainStep(a, b, 2e-4); // fills the one-image pools
    const count = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) model.trainStep(a, b, 2e-4);
    assert.equal(tf.memory().numTensors, count);
    model.dispose();
    tf.dispose([a, b]);
  });

  it('stops on a non-finite loss, naming the step, without updating', () => {
    const model = new CycleGAN({ ...options('nan'), poolSize: 0 }, Rng.derive(1));
    const a = tf.fill([1, 24, 24, 1], NaN) as tf.Tensor4D;
    const b = tf.zeros([1, 24, 24, 1]) as tf.Tensor4D;
    const before = model.G_A.params.get('model.1.weight')!.dataSync().slice();
    assert.throws(
      () => model.trainStep(a, b, 2e-4),
      /^Error: Training stopped at step 1: non-finite loss|Training stopped at step 1: non-finite loss \(/,
    );
    assert.deepEqual(model.G_A.params.get('model.1.weight')!.dataSync(), before);
    assert.equal(model.step, 0);
    model.dispose();
  });
});
