import * as path from 'node:path';
import { tf } from '../engine/tf';
import { UnalignedDataset } from '../data/unaligned';
import { CycleGAN, StepLosses } from '../models/cyclegan';
import { networkOptionKeys } from '../models/options';
import { countParams } from '../nn/params';
import { UserError } from '../util/errors';
import { Rng } from '../util/rng';
import { listCheckpoints, loadCheckpoint, saveCheckpoint } from './checkpoint';
import { RunLog, writeIndexHtml, writeOptions } from './run_folder';
import { samplePath, writeSampleGrid } from './samples';
import { linearLearningRate } from './schedule';
import { checkpointOf, restoreFrom, TrainPosition } from './state';
import type { TrainOptions } from '../cli/options';
import { makeFolder } from '../util/folders';

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
}

/**
 * Trains a CycleGAN as the reference's train.py does: epochs of unaligned
 * batches, the learning rate set at the start of each epoch, checkpoints
 * at epoch ends (and every `saveLatestFreq` iterations), and the run's log,
 * samples and report on the way.
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
  const run = await openRun(opts, defaults, events);
  const { model, dataset, runDir } = run;
  let position = run.position;
  const epochs = opts.nEpochs + opts.nEpochsDecay;
  const perEpoch = dataset.batchesPerEpoch(opts.batchSize);
  const log = new RunLog(runDir, { dropAfterIteration: position.totalIterations });
  const save = (tag: string) =>
    saveCheckpoint(runDir, tag, checkpointOf(model, position, optionsRecord(opts)));
  try {
    while (position.epoch <= epochs) {
      const epoch = position.epoch;
      const lr = linearLearningRate(opts.lr, epoch, opts.nEpochs, opts.nEpochsDecay);
      const started = performance.now();
      events.epochStart(epoch, epochs, perEpoch, position.iteration);
      const batches = dataset.batches(epoch, opts.seed, opts.batchSize, position.iteration);
      for await (const batch of batches) {
        const realA = tf.tensor4d(batch.realA, batch.shape);
        const realB = tf.tensor4d(batch.realB, batch.shapeB);
        try {
          checkMultipleOf4(batch.shape, batch.pathsA[0]);
          checkMultipleOf4(batch.shapeB, batch.pathsB[0]);
          const t0 = performance.now();
          const losses = model.trainStep(realA, realB, lr);
          const seconds = (performance.now() - t0) / 1000;
          const total = position.totalIterations + 1;
          position = { epoch, iteration: batch.iteration + 1, totalIterations: total };
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
          events.iteration(batch.iteration + 1, losses, seconds);
        } finally {
          tf.dispose([realA, realB]);
        }
        if (signal?.aborted) {
          await save('latest');
          await writeIndexHtml(runDir);
          return { position, stopped: true, model };
        }
        if (position.totalIterations % opts.saveLatestFreq === 0) await save('latest');
      }
      // `latest` (and `epoch_<K>`) hold the position of the next step: the next epoch's first.
      position = { epoch: epoch + 1, iteration: 0, totalIterations: position.totalIterations };
      await save('latest');
      if (epoch % opts.saveEpochFreq === 0 || epoch === epochs) await save(`epoch_${epoch}`);
      await writeIndexHtml(runDir);
      events.epochEnd(epoch, (performance.now() - started) / 1000);
    }
  } finally {
    log.close();
  }
  return { position, stopped: false, model };
}

/**
 * Opens the data set, builds the model and, with `--continue`, restores the
 * latest checkpoint; writes the run's options and announces the start.
 */
async function openRun(
  opts: TrainOptions,
  defaults: Record<string, unknown>,
  events: TrainerEvents,
) {
  const runDir = path.join(opts.checkpointsDir, opts.name);
  const dataset = await UnalignedDataset.open(opts.dataroot, 'train', {
    ...opts,
    dicom: { window: opts.window, frames: 'first' },
    onWarning: events.warning,
  });
  let position: TrainPosition = { epoch: 1, iteration: 0, totalIterations: 0 };
  const latest = path.join(runDir, 'checkpoints', 'latest');
  let resumeFrom: Awaited<ReturnType<typeof loadCheckpoint>> | undefined;
  if (opts.continueTrain) {
    if (!listCheckpoints(runDir).includes('latest')) {
      throw new UserError(
        `No checkpoint to continue from in ${latest}.`,
        'Start the run without --continue, or check --name and --checkpoints-dir.',
      );
    }
    resumeFrom = await loadCheckpoint(runDir, 'latest');
    // Before the model is built: a network option that differs is named as such.
    checkResumable(resumeFrom.state.options, optionsRecord(opts), runDir);
  } else if (listCheckpoints(runDir).length > 0) {
    throw new UserError(
      `The run folder ${runDir} already holds checkpoints.`,
      'Add --continue to resume it, or pick another --name.',
    );
  }
  const model = new CycleGAN(opts, Rng.derive(opts.seed, 0));
  if (resumeFrom !== undefined) {
    position = restoreFrom(model, resumeFrom, latest);
    const epochs = opts.nEpochs + opts.nEpochsDecay;
    if (position.epoch > epochs) {
      model.dispose();
      throw new UserError(
        `${runDir} has finished all its ${epochs} epochs (--n-epochs ${opts.nEpochs} + ` +
          `--n-epochs-decay ${opts.nEpochsDecay}); there is nothing to continue.`,
        'To train longer, raise --n-epochs or --n-epochs-decay with --continue.',
      );
    }
  }
  makeFolder(runDir, '--checkpoints-dir/--name');
  await writeOptions(runDir, optionsRecord(opts), optionsRecord(defaults));
  const parameters = Object.values(model.networks).reduce(
    (n, net) => n + countParams(net.params),
    0,
  );
  events.start({
    runDir,
    sizeA: dataset.sizeA,
    sizeB: dataset.sizeB,
    parameters,
    resumedAt: opts.continueTrain ? position : undefined,
  });
  return { runDir, dataset, model, position };
}

/** The generator halves the size twice and doubles it back: sides must be multiples of 4. */
function checkMultipleOf4(shape: number[], example: string) {
  const [, h, w] = shape;
  if (h % 4 !== 0 || w % 4 !== 0) {
    throw new UserError(
      `Training images must have sides that are multiples of 4; ${example} gives ${h}×${w}.`,
      'Use a --crop-size that is a multiple of 4, or --preprocess resize_and_crop or crop.',
    );
  }
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

/**
 * Options a resumed run must share with the run it continues: the networks
 * (or the weights would not load) and everything that decides which images
 * a step sees (or the saved position and pools would mean something else).
 * The schedule (epochs, learning rate) may change.
 */
const resumeKeys = [
  ...networkOptionKeys,
  'batchSize',
  'seed',
  'serialBatches',
  'maxDatasetSize',
  'poolSize',
  'preprocess',
  'loadSize',
  'cropSize',
  'noFlip',
] as const;

/** An option's flag: --netG and --netD as the reference spells them, the rest kebab-case. */
function flagOf(key: string): string {
  if (key === 'netG' || key === 'netD') return `--${key}`;
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function checkResumable(saved: unknown, now: Record<string, unknown>, runDir: string) {
  const old = (saved ?? {}) as Record<string, unknown>;
  for (const k of resumeKeys) {
    if (old[k] !== undefined && JSON.stringify(old[k]) !== JSON.stringify(now[k])) {
      const flag = flagOf(k);
      const value = (v: unknown) => (k === 'noFlip' ? '' : ` ${String(v)}`);
      const trained =
        k === 'noFlip' && old[k] !== true ? `without ${flag}` : `with ${flag}${value(old[k])}`;
      throw new UserError(
        `${runDir} was trained ${trained}; this command gives ${flag}${value(now[k])}.`,
        `Leave ${flag} out: --continue takes the run's own value.`,
      );
    }
  }
}
