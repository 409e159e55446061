import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { BackendName, selectBackend } from '../engine/backend';
import { packageRoot } from '../train/run_folder';
import { TrainOptions, trainDefaults } from './options';
import { runTraining } from './train';
import { runTranslate } from './translate';

/**
 * Settings for the demo per backend, chosen so that training ends in about
 * ten minutes on a 2-core machine: shoes2boots at 32×32, one channel.
 */
function demoSettings(backend: string) {
  const fast = backend === 'onednn';
  return {
    netG: 'resnet_6blocks' as const,
    ngf: fast ? 32 : 16,
    ndf: fast ? 32 : 16,
    nEpochs: fast ? 2 : 1,
    nEpochsDecay: fast ? 2 : 1,
    maxDatasetSize: fast ? 1000 : 800,
    minutes: fast ? 5 : 3,
  };
}

export function register(program: Command) {
  program
    .command('demo')
    .description(
      'train on the bundled shoes2boots data set (Fashion-MNIST sneakers ↔ ankle boots) at 32×32, ' +
        'then translate its test images into runs/demo/translated',
    )
    .option('--checkpoints-dir <dir>', 'where the demo run folder goes', 'runs')
    .addOption(
      new Option('--backend <name>', 'auto picks the fastest available')
        .choices(['auto', 'onednn', 'wasm', 'cpu'])
        .default('auto'),
    )
    .action(async (o: { checkpointsDir: string; backend: BackendName | 'auto' }) => {
      await runDemo(o.checkpointsDir, o.backend);
    });
}

export async function runDemo(checkpointsDir: string, wanted: BackendName | 'auto' = 'auto') {
  const dataroot = path.join(packageRoot(), 'datasets', 'shoes2boots');
  const backend = await selectBackend({ backend: wanted });
  const s = demoSettings(backend.name);
  const runDir = path.join(checkpointsDir, 'demo');
  const opts: TrainOptions = {
    ...trainDefaults,
    dataroot,
    backend: backend.name,
    name: 'demo',
    checkpointsDir,
    netG: s.netG,
    ngf: s.ngf,
    ndf: s.ndf,
    inputNc: 1,
    outputNc: 1,
    preprocess: 'resize_and_crop',
    loadSize: 32,
    cropSize: 32,
    nEpochs: s.nEpochs,
    nEpochsDecay: s.nEpochsDecay,
    maxDatasetSize: s.maxDatasetSize,
    displayFreq: 250,
    printFreq: 25,
    saveEpochFreq: 1,
    continueTrain: false,
  };
  const epochs = s.nEpochs + s.nEpochsDecay;
  const latest = path.join(runDir, 'checkpoints', 'latest', 'state.json');
  if (fs.existsSync(latest)) {
    const state = JSON.parse(fs.readFileSync(latest, 'utf8')) as { epoch: number };
    if (state.epoch <= epochs) {
      opts.continueTrain = true;
      console.error(`Continuing the unfinished demo run in ${runDir}.`);
    } else {
      // The finished run is kept, once: the one kept before it is replaced.
      const previous = `${runDir}-previous`;
      fs.rmSync(previous, { recursive: true, force: true });
      fs.renameSync(runDir, previous);
      console.error(`Moved the finished demo run to ${previous}; starting a new one.`);
    }
  }
  console.error(
    `Demo: CycleGAN sneakers ↔ ankle boots, ${epochs} epochs of ${s.maxDatasetSize} images at 32×32 on ` +
      `${backend.name}; expect about ${s.minutes} minutes on 2 cores. Ctrl-C stops and saves; ` +
      'run the demo again to continue.',
  );
  if (!(await runTraining(opts, 'Run the demo again to continue.'))) {
    process.exitCode = 130;
    return;
  }
  const translated = path.join(runDir, 'translated');
  for (const [domain, direction, what] of [
    ['testA', 'AtoB', 'fake ankle boots'],
    ['testB', 'BtoA', 'fake sneakers'],
  ] as const) {
    const out = path.join(translated, domain);
    await runTranslate(
      {
        checkpoint: runDir,
        epoch: 'latest',
        direction,
        input: path.join(dataroot, domain),
        output: out,
        format: 'png',
        backend: backend.name,
        precision: 'fp32',
      },
      true,
    );
    console.error(`  ${path.join(dataroot, domain)} → ${out} (${what})`);
  }
  console.error(`Look at ${path.join(runDir, 'index.html')} for loss curves and samples.`);
}
