import * as fs from 'node:fs';
import * as path from 'node:path';
import { tf } from '../engine/tf';
import { UnalignedDataset } from '../data/unaligned';
import { CycleGAN, StepLosses } from '../models/cyclegan';
import { countParams } from '../nn/params';
import { UserError } from '../util/errors';
import { Rng } from '../util/rng';
import { listCheckpoints, loadCheckpoint, saveCheckpoint } from './checkpoint';
import { RunLog, writeIndexHtml, writeOptions } from './run_folder';
import { samplePath, writeSampleGrid } from './samples';
import { linearLearningRate } from './schedule';
import { checkpointOf, restoreFrom, TrainPosition } from './state';
import type { TrainOptions } from '../cli/options';

/** What the trainer tells its user interface; the CLI draws bars from it. */
export interface TrainerEvents {
  start(info: {
    runDir: string;
    sizeA: number;
    sizeB: number;
    parameters: number;
    resumedAt?: TrainPosition;
  }): void;
  epochStart(epoch: number, epochs: number, iterations: number, firstIteration: number): void;
  iteration(iteration: number, losses: StepLosses, secondsPerIteration: number): void;
  epochEnd(epoch: number, seconds: number): void;
  warning(message: string): void;
  saved(tag: string): void;
}

/**
 * Trains a CycleGAN as the reference's train.py does: epochs of unaligned
 * batches, the learning rate set at the start of each epoch, checkpoints
 * at epoch ends, and the run's log, samples and report on the way.
 *
 * The run can be stopped between any two steps through `signal`; it then
 * saves `latest` so that `--continue` resumes at the next step exactly.
 */
export async function train(
  opts: TrainOptions,
  defaults: Record<string, unknown>,
  events: TrainerEvents,
  signal?: AbortSignal,
): Promise<{ position: TrainPosition; stopped: boolean; model: CycleGAN }> {
  const runDir = path.join(opts.checkpointsDir, opts.name);
  const dataset = await UnalignedDataset.open(opts.dataroot, 'train', {
    ...opts,
    outputNc: opts.outputNc,
    dicom: { window: opts.window, frames: 'first' },
    onWarning: events.warning,
  });
  const model = new CycleGAN(opts, Rng.derive(opts.seed, 0));
  const epochs = opts.nEpochs + opts.nEpochsDecay;
  let position: TrainPosition = { epoch: 1, iteration: 0, totalIterations: 0 };

  if (opts.continueTrain) {
    if (!listCheckpoints(runDir).includes('latest')) {
      throw new UserError(
        `No checkpoint to continue from in ${path.join(runDir, 'checkpoints', 'latest')}.`,
        'Start the run without --continue, or check --name and --checkpoints-dir.',
      );
    }
    const data = await loadCheckpoint(runDir, 'latest');
    checkSameNetworks(data.state.options as Record<string, unknown>, opts, runDir);
    position = restoreFrom(model, data, path.join(runDir, 'checkpoints', 'latest'));
  } else if (fs.existsSync(path.join(runDir, 'checkpoints'))) {
    throw new UserError(
      `The run folder ${runDir} already holds checkpoints.`,
      'Add --continue to resume it, or pick another --name.',
    );
  }
  fs.mkdirSync(runDir, { recursive: true });
  await writeOptions(runDir, optionsRecord(opts), optionsRecord(defaults));
  const log = new RunLog(runDir, { dropAfterIteration: position.totalIterations });
  const parameters =
    countParams(model.G_A.params) +
    countParams(model.G_B.params) +
    countParams(model.D_A.params) +
    countParams(model.D_B.params);
  events.start({
    runDir,
    sizeA: dataset.sizeA,
    sizeB: dataset.sizeB,
    parameters,
    resumedAt: opts.continueTrain ? position : undefined,
  });

  const save = async (tag: string) => {
    await saveCheckpoint(runDir, tag, checkpointOf(model, position, optionsRecord(opts)));
    events.saved(tag);
  };
  const perEpoch = dataset.batchesPerEpoch(opts.batchSize);
  try {
    while (position.epoch <= epochs) {
      const epoch = position.epoch;
      const lr = linearLearningRate(opts.lr, epoch, opts.nEpochs, opts.nEpochsDecay);
      const epochStart = performance.now();
      events.epochStart(epoch, epochs, perEpoch, position.iteration);
      for await (const batch of dataset.batches(
        epoch,
        opts.seed,
        opts.batchSize,
        position.iteration,
      )) {
        const t0 = performance.now();
        const realA = tf.tensor4d(batch.realA, batch.shape);
        const realB = tf.tensor4d(batch.realB, batch.shapeB);
        const losses = model.trainStep(realA, realB, lr);
        const seconds = (performance.now() - t0) / 1000;
        position = {
          epoch,
          iteration: batch.iteration + 1,
          totalIterations: position.totalIterations + 1,
        };
        const total = position.totalIterations;
        if (total % opts.printFreq === 0 || total === 1) {
          log.append({
            iteration: total,
            epoch,
            losses: { ...losses },
            lr,
            secondsPerIteration: seconds,
          });
        }
        if (total % opts.displayFreq === 0) {
          await writeSamples(model, realA, realB, samplePath(runDir, epoch, total));
          await writeIndexHtml(runDir);
        }
        tf.dispose([realA, realB]);
        events.iteration(batch.iteration + 1, losses, seconds);
        if (signal?.aborted) {
          await save('latest');
          return { position, stopped: true, model };
        }
      }
      // `latest` (and `epoch_<K>`) hold the position of the next step: the next epoch's first.
      position = { epoch: epoch + 1, iteration: 0, totalIterations: position.totalIterations };
      await save('latest');
      if (epoch % opts.saveEpochFreq === 0 || epoch === epochs) await save(`epoch_${epoch}`);
      await writeIndexHtml(runDir);
      events.epochEnd(epoch, (performance.now() - epochStart) / 1000);
    }
  } finally {
    log.close();
  }
  return { position, stopped: false, model };
}

/** realA | fakeB | recA over realB | fakeA | recB, for the first image of the batch. */
async function writeSamples(model: CycleGAN, realA: tf.Tensor4D, realB: tf.Tensor4D, file: string) {
  const rows = tf.tidy(() => {
    const a = tf.slice(realA, 0, 1);
    const b = tf.slice(realB, 0, 1);
    const fakeB = model.G_A.apply(a);
    const fakeA = model.G_B.apply(b);
    const picture = (t: tf.Tensor4D) => ({
      data: t.dataSync() as Float32Array,
      height: t.shape[1],
      width: t.shape[2],
      channels: t.shape[3] as 1 | 3,
    });
    return [
      [picture(a), picture(fakeB), picture(model.G_B.apply(fakeB))],
      [picture(b), picture(fakeA), picture(model.G_A.apply(fakeA))],
    ];
  });
  await writeSampleGrid(file, rows);
}

/** The options as JSON can hold them: an unlimited size is written `"inf"`, as typed. */
function optionsRecord(opts: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(opts).map(([k, v]) => [k, v === Infinity ? 'inf' : v]));
}

const networkKeys = [
  'netG',
  'netD',
  'nLayersD',
  'ngf',
  'ndf',
  'inputNc',
  'outputNc',
  'norm',
] as const;

/** `--continue` with different network settings cannot load the weights. */
function checkSameNetworks(saved: Record<string, unknown>, opts: TrainOptions, runDir: string) {
  for (const k of networkKeys) {
    if (saved[k] !== undefined && saved[k] !== opts[k]) {
      throw new UserError(
        `${runDir} was trained with ${k} = ${String(saved[k])}, but this command asks for ${String(opts[k])}.`,
        "Drop the option to use the run's own setting.",
      );
    }
  }
}
