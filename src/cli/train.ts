import { Command } from 'commander';
import { selectBackend } from '../engine/backend';
import { train, TrainerEvents } from '../train/trainer';
import { addTrainOptions, resolveTrainOptions, TrainOptions, trainDefaults } from './options';
import { EpochBar, formatLosses } from './progress';

export function register(program: Command) {
  const cmd = program
    .command('train')
    .description('train a CycleGAN on DATAROOT/trainA and DATAROOT/trainB');
  addTrainOptions(cmd).action(async (raw: Record<string, unknown>) => {
    await runTraining(resolveTrainOptions(raw));
  });
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
  const stop = new AbortController();
  // Ctrl-C, or a scheduler's SIGTERM, ends the run after the current step with `latest` saved.
  const onSignal = () => {
    if (stop.signal.aborted) {
      bar.stop(''); // restore the cursor; a second Ctrl-C does not wait
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
      last = losses;
      bar.update(i, losses);
    },
    epochEnd: (epoch, seconds) =>
      bar.stop(
        `epoch ${epoch} done in ${seconds.toFixed(1)} s${last ? ': ' + formatLosses(last) : ''}`,
      ),
    warning: (message) => console.error(`warning: ${message}`),
  };
  let last: Parameters<TrainerEvents['iteration']>[1] | undefined;
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
