import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { UserError } from '../util/errors';
import { selectBackend } from '../engine/backend';
import { train, TrainerEvents } from '../train/trainer';
import { addTrainOptions, resolveTrainOptions, TrainOptions, trainDefaults } from './options';
import { EpochBar, formatLosses, LossMeans } from './progress';

export function register(program: Command) {
  const cmd = program
    .command('train')
    .description('train a CycleGAN on DATAROOT/trainA and DATAROOT/trainB');
  addTrainOptions(cmd).action(async (raw: Record<string, unknown>) => {
    if (raw.continue === true) Object.assign(raw, savedOptions(raw, cmd));
    // Stopped by Ctrl-C or SIGTERM: 130, as for any interrupted command, so that
    // `train && translate` does not go on.
    if (!(await runTraining(resolveTrainOptions(raw)))) process.exitCode = 130;
  });
}

/** Options the engine may change between sessions; everything else a run keeps. */
const sessionOptions = new Set([
  'continue',
  'name',
  'checkpointsDir',
  'backend',
  'threads',
  'precision',
]);

/**
 * With --continue, the run's own options for every option not given on the
 * command line, so that resuming needs only --name (and --dataroot).
 */
function savedOptions(raw: Record<string, unknown>, cmd: Command): Record<string, unknown> {
  const file = path.join(String(raw.checkpointsDir), String(raw.name), 'options.json');
  if (!fs.existsSync(file)) return {}; // the trainer says there is nothing to continue
  let saved: Record<string, unknown>;
  try {
    saved = (JSON.parse(fs.readFileSync(file, 'utf8')) as { options: Record<string, unknown> })
      .options;
  } catch (err) {
    throw new UserError(`${file} cannot be read: ${(err as Error).message}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(saved ?? {})) {
    // noFlip and continueTrain are stored resolved; commander's names are flip and continue.
    const option = key === 'noFlip' ? 'flip' : key;
    if (sessionOptions.has(option) || key === 'continueTrain') continue;
    if (cmd.getOptionValueSource(option) === 'cli') continue;
    if (key === 'noFlip') out.flip = value !== true;
    else out[option] = value === 'inf' ? Infinity : value;
  }
  return out;
}

/**
 * Runs training with a progress bar, saving `latest` and exiting on Ctrl-C.
 * Returns false when stopped by the user.
 */
export async function runTraining(
  opts: TrainOptions,
  resumeHint = 'Resume with --continue.',
): Promise<boolean> {
  const backend = await selectBackend(opts);
  for (const note of backend.notes) console.error(note);
  const bar = new EpochBar();
  const means = new LossMeans();
  const stop = new AbortController();
  // Ctrl-C, or a scheduler's SIGTERM, ends the run after the current step with `latest` saved.
  const onSignal = () => {
    if (stop.signal.aborted) {
      bar.stop(''); // restore the cursor; a second Ctrl-C does not wait
      console.error('Quit without saving: the latest checkpoint is the one saved before.');
      process.exit(130);
    }
    stop.abort();
    console.error('\nStopping: saving the latest checkpoint (Ctrl-C again to quit at once)…');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const events: TrainerEvents = {
    start: (i) =>
      console.error(
        `cyclegan train: backend ${backend.name} (${backend.threads} threads, ${backend.precision}), ` +
          `trainA ${i.sizeA} images, trainB ${i.sizeB} images, ` +
          `${(i.parameters / 1e6).toFixed(2)} M parameters, run folder ${i.runDir}` +
          (i.resumedAt
            ? `, resuming at epoch ${i.resumedAt.epoch} iteration ${i.resumedAt.iteration}`
            : ''),
      ),
    epochStart: (epoch, epochs, total, first) =>
      bar.start(`epoch ${epoch}/${epochs}`, total, first),
    iteration: (i, losses) => {
      means.add(losses);
      bar.update(i, losses);
    },
    epochEnd: (epoch, seconds) => {
      const mean = means.take();
      bar.stop(
        `epoch ${epoch} done in ${seconds.toFixed(1)} s` +
          (mean ? `, mean losses: ${formatLosses(mean)}` : ''),
      );
    },
    warning: (message) => console.error(`warning: ${message}`),
  };
  try {
    const result = await train(opts, trainDefaults, events, stop.signal);
    result.model.dispose();
    console.error(
      result.stopped
        ? `Stopped; saved ${opts.checkpointsDir}/${opts.name}/checkpoints/latest. ${resumeHint}`
        : `Done. Report: ${opts.checkpointsDir}/${opts.name}/index.html`,
    );
    return !result.stopped;
  } finally {
    bar.stop('');
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
