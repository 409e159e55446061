import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveTrainOptions, TrainOptions, trainDefaults } from '../../src/cli/options';
import { UnalignedDataset } from '../../src/data/unaligned';
import { tf } from '../../src/engine/tf';
import { train, TrainerEvents } from '../../src/train/trainer';
import { rampSlice, writeCt } from '../support/dicom_dataset';

const quiet: TrainerEvents = {
  start: () => undefined,
  epochStart: () => undefined,
  iteration: () => undefined,
  epochEnd: () => undefined,
  warning: (m) => assert.fail(`unexpected warning: ${m}`),
};

describe('training on DICOM folders (files without extension, --input-nc 1, cpu)', () => {
  let root: string;
  const slices = [0, 1, 2, 3].map((k) => rampSlice(16, 16, k));
  before(async () => {
    await tf.setBackend('cpu');
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cyclegan-dicom-train-'));
    for (const [side, k] of [
      ['trainA', 0],
      ['trainA', 1],
      ['trainB', 2],
      ['trainB', 3],
    ] as const) {
      writeCt(path.join(root, 'data', side, `IM${k}`), slices[k]);
    }
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('the data set reads DICOM through --window 40,400 (the DICOM linear window)', async () => {
    const dataset = await UnalignedDataset.open(path.join(root, 'data'), 'train', {
      preprocess: 'none',
      loadSize: 24,
      cropSize: 24,
      noFlip: true,
      inputNc: 1,
      maxDatasetSize: Infinity,
      serialBatches: true,
      strict: true,
      dicom: { window: { center: 40, width: 400 } },
    });
    assert.deepEqual(
      dataset.pathsA.map((p) => path.basename(p)),
      ['IM0', 'IM1'],
    );
    const { value: batch } = await dataset.batches(1, 0, 1).next();
    assert.ok(batch);
    assert.deepEqual(batch.shape, [1, 16, 16, 1]);
    // PS3.3 C.11.2.1.2.1, then 16-bit samples scaled to [-1, 1]
    const expected = slices[0].hu.map((hu) => {
      const unit = Math.min(1, Math.max(0, (hu - 39.5) / 399 + 0.5));
      return Math.round(unit * 65535) / 32767.5 - 1;
    });
    const worst = Math.max(
      ...Array.from(batch.realA, (v: number, i: number) => Math.abs(v - expected[i])),
    );
    assert.ok(worst < 1e-6, `max |difference| ${worst}`);
    assert.ok(expected.includes(-1) && expected.includes(1)); // the window clips both ends
  });

  it('trains 2 iterations and records the window in options.json', async () => {
    const opts: TrainOptions = {
      ...trainDefaults,
      dataroot: path.join(root, 'data'),
      name: 'ct',
      checkpointsDir: path.join(root, 'runs'),
      netG: 'resnet_6blocks',
      ngf: 4,
      ndf: 4,
      inputNc: 1,
      outputNc: 1,
      loadSize: 24,
      cropSize: 24,
      nEpochs: 1,
      nEpochsDecay: 0,
      printFreq: 1,
      window: { center: 40, width: 400 },
      backend: 'cpu',
    };
    const { model, position } = await train(opts, trainDefaults, quiet);
    model.dispose();
    assert.deepEqual(position, { epoch: 2, iteration: 0, totalIterations: 2 });
    const run = path.join(root, 'runs', 'ct');
    const saved = JSON.parse(fs.readFileSync(path.join(run, 'options.json'), 'utf8'));
    assert.deepEqual(saved.options.window, { center: 40, width: 400 });
    assert.equal(saved.options.frames, 'first');
    assert.ok(fs.existsSync(path.join(run, 'checkpoints', 'latest', 'G_A.safetensors')));
    const log = fs.readFileSync(path.join(run, 'log.jsonl'), 'utf8').trim().split('\n');
    assert.equal(log.length, 2);
    for (const line of log) {
      for (const v of Object.values(JSON.parse(line).losses))
        assert.ok(Number.isFinite(v as number));
    }
  });

  it('--frames all is refused for training with a plain message', () => {
    assert.throws(() => resolveTrainOptions({ frames: 'all', flip: true }), {
      name: 'UserError',
      message:
        '--frames all is not supported by train yet: training reads the first frame of each ' +
        'DICOM file.',
    });
  });
});
