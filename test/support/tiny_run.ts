import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { trainDefaults } from '../../src/cli/options';
import { tf } from '../../src/engine/tf';
import { train } from '../../src/train/trainer';
import { makeTinyDataset } from './tiny_dataset';

/**
 * A trained run folder for commands that need one: a grey resnet_6blocks with 4 filters,
 * one epoch of 2 iterations at 16×16 on cpu. Returns the run folder and a cleanup.
 */
export async function makeTinyRun(): Promise<{ run: string; remove: () => void }> {
  await tf.setBackend('cpu');
  const dataroot = await makeTinyDataset({ trainA: 2, trainB: 2, testA: 0, testB: 0 }, 16);
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'cyclegan-tiny-run-'));
  const { model } = await train(
    {
      ...trainDefaults,
      dataroot,
      name: 'tiny',
      checkpointsDir: runs,
      netG: 'resnet_6blocks',
      ngf: 4,
      ndf: 4,
      inputNc: 1,
      outputNc: 1,
      loadSize: 24,
      cropSize: 24,
      nEpochs: 1,
      nEpochsDecay: 0,
      backend: 'cpu',
    },
    trainDefaults,
    {
      start: () => undefined,
      epochStart: () => undefined,
      iteration: () => undefined,
      epochEnd: () => undefined,
      warning: () => undefined,
    },
  );
  model.dispose();
  fs.rmSync(dataroot, { recursive: true, force: true });
  return {
    run: path.join(runs, 'tiny'),
    remove: () => fs.rmSync(runs, { recursive: true, force: true }),
  };
}
