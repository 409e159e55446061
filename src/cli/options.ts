import { Command, Option } from 'commander';
import { CycleGANOptions } from '../models/cyclegan';
import {
  defaultLossOptions,
  defaultNetworkOptions,
  NetworkOptions,
  networkOptionKeys,
} from '../models/options';
import { UserError } from '../util/errors';
import { addDicomOptions, FramesOption, WindowOption } from './dicom_options';
import { channels, fraction, integer, limit, number, runName } from './parse';

/**
 * The command-line options, with the reference release's names in kebab
 * case. Each group adds its options to a command; the defaults live here
 * once, so `options.json` can mark what a run changed.
 */

export interface DataOptions {
  dataroot: string;
  preprocess: 'resize_and_crop' | 'crop' | 'scale_width' | 'scale_width_and_crop' | 'none';
  loadSize: number;
  cropSize: number;
  noFlip: boolean;
  serialBatches: boolean;
  maxDatasetSize: number;
  batchSize: number;
  strict: boolean;
  /** DICOM window; undefined: each file's own. */
  window?: WindowOption;
  /** Training reads the first frame of each DICOM file; `all` is refused for now. */
  frames: FramesOption;
}

export interface ScheduleOptions {
  nEpochs: number;
  nEpochsDecay: number;
  lr: number;
  beta1: number;
  lrPolicy: 'linear';
}

export interface RunOptions {
  name: string;
  checkpointsDir: string;
  displayFreq: number;
  printFreq: number;
  saveEpochFreq: number;
  saveLatestFreq: number;
  seed: number;
  continueTrain: boolean;
}

export interface EngineOptions {
  backend: 'auto' | 'onednn' | 'wasm' | 'cpu';
  threads?: number;
  precision: 'fp32' | 'bf16';
}

export type TrainOptions = CycleGANOptions &
  DataOptions &
  ScheduleOptions &
  RunOptions &
  EngineOptions;

export const trainDefaults = {
  ...defaultNetworkOptions,
  ...defaultLossOptions,
  poolSize: 50,
  beta1: 0.5,
  lr: 0.0002,
  lrPolicy: 'linear' as const,
  nEpochs: 100,
  nEpochsDecay: 100,
  preprocess: 'resize_and_crop' as const,
  loadSize: 286,
  cropSize: 256,
  noFlip: false,
  serialBatches: false,
  maxDatasetSize: Infinity,
  batchSize: 1,
  strict: false,
  frames: 'first' as const,
  checkpointsDir: 'runs',
  displayFreq: 400,
  printFreq: 100,
  saveEpochFreq: 5,
  saveLatestFreq: 5000,
  seed: 0,
  continueTrain: false,
  backend: 'auto' as const,
  precision: 'fp32' as const,
};

/**
 * Network options. With `withDefaults` false (translate) they stay undefined
 * unless given, so they can be checked against a run's saved options.
 */
/**
 * Network options. `train` gets all of them with defaults; `translate` gets
 * only the generator's, without defaults, so that a value given on the
 * command line can be checked against a run's saved options.
 */
export function addNetworkOptions(cmd: Command, which: 'all' | 'generator' = 'all') {
  const n = defaultNetworkOptions;
  const options: Array<[keyof NetworkOptions, Option]> = [
    [
      'netG',
      new Option('--netG <arch>', 'generator').choices(['resnet_9blocks', 'resnet_6blocks']),
    ],
    [
      'netD',
      new Option('--netD <arch>', 'discriminator: basic is the 70×70 PatchGAN').choices([
        'basic',
        'n_layers',
      ]),
    ],
    [
      'nLayersD',
      new Option('--n-layers-d <n>', 'discriminator layers when --netD n_layers').argParser(
        integer(1),
      ),
    ],
    [
      'ngf',
      new Option('--ngf <n>', 'generator filters in the first conv layer').argParser(integer(1)),
    ],
    [
      'ndf',
      new Option('--ndf <n>', 'discriminator filters in the first conv layer').argParser(
        integer(1),
      ),
    ],
    [
      'inputNc',
      new Option('--input-nc <n>', 'channels of domain A images: 1 grey, 3 RGB').argParser(
        channels,
      ),
    ],
    [
      'outputNc',
      new Option('--output-nc <n>', 'channels of domain B images: 1 grey, 3 RGB').argParser(
        channels,
      ),
    ],
    ['norm', new Option('--norm <kind>', 'normalisation layers').choices(['instance', 'none'])],
  ];
  const discriminatorOnly = new Set(['netD', 'nLayersD', 'ndf']);
  for (const [key, option] of options) {
    if (which === 'generator' && discriminatorOnly.has(key)) continue;
    cmd.addOption(which === 'all' ? option.default(n[key]) : option);
  }
  return cmd;
}

/**
 * How one image is read and preprocessed: what `preview` shows and `train` feeds the model.
 */
export function addTransformOptions(cmd: Command, t = trainDefaults) {
  cmd
    .addOption(
      new Option('--preprocess <mode>', 'scaling and cropping of images at load time')
        .choices(['resize_and_crop', 'crop', 'scale_width', 'scale_width_and_crop', 'none'])
        .default(t.preprocess),
    )
    .addOption(
      new Option('--load-size <px>', 'scale images to this size')
        .argParser(integer(4))
        .default(t.loadSize),
    )
    .addOption(
      new Option('--crop-size <px>', 'then crop to this size')
        .argParser(integer(4))
        .default(t.cropSize),
    )
    .option('--no-flip', 'do not flip images horizontally for data augmentation');
  return addDicomOptions(cmd, 'first, or all (each frame an image; not supported by train yet)');
}

export function addDataOptions(cmd: Command, t = trainDefaults) {
  return addTransformOptions(cmd, t)
    .option('--serial-batches', 'take images in order, not randomly', t.serialBatches)
    .addOption(
      new Option('--max-dataset-size <n>', 'use at most this many images per domain (or inf)')
        .argParser(limit)
        .default(t.maxDatasetSize, 'inf'),
    )
    .addOption(
      new Option('--batch-size <n>', 'images per step').argParser(integer(1)).default(t.batchSize),
    )
    .option('--strict', 'stop at the first unreadable image instead of skipping it', t.strict);
}

export function addEngineOptions(cmd: Command) {
  return cmd
    .addOption(
      new Option('--backend <name>', 'TensorFlow.js backend: auto picks the fastest available')
        .choices(['auto', 'onednn', 'wasm', 'cpu'])
        .default('auto'),
    )
    .addOption(
      new Option('--threads <n>', 'CPU threads (default: all cores)').argParser(integer(1)),
    )
    .addOption(
      new Option(
        '--precision <p>',
        'convolution precision; bf16 needs the onednn backend and a CPU with bf16',
      )
        .choices(['fp32', 'bf16'])
        .default('fp32'),
    );
}

export function addTrainOptions(cmd: Command) {
  const t = trainDefaults;
  cmd
    .requiredOption('--dataroot <dir>', 'folder with trainA, trainB (and testA, testB)')
    .addOption(
      new Option('--name <name>', 'name of the run: its folder is <checkpoints-dir>/<name>')
        .argParser(runName)
        .makeOptionMandatory(),
    )
    .option('--checkpoints-dir <dir>', 'where run folders live', t.checkpointsDir);
  addNetworkOptions(cmd);
  addDataOptions(cmd);
  return addEngineOptions(cmd)
    .addOption(
      new Option('--gan-mode <mode>', 'adversarial loss')
        .choices(['lsgan', 'vanilla'])
        .default(t.ganMode),
    )
    .addOption(
      new Option('--lambda-a <w>', 'weight of the cycle loss A → B → A')
        .argParser(number(0))
        .default(t.lambdaA),
    )
    .addOption(
      new Option('--lambda-b <w>', 'weight of the cycle loss B → A → B')
        .argParser(number(0))
        .default(t.lambdaB),
    )
    .addOption(
      new Option('--lambda-identity <w>', 'identity loss weight, relative to the cycle weights')
        .argParser(number(0))
        .default(t.lambdaIdentity),
    )
    .addOption(
      new Option('--pool-size <n>', 'generated images kept for the discriminators (0: none)')
        .argParser(integer(0))
        .default(t.poolSize),
    )
    .addOption(
      new Option('--lr <rate>', 'initial Adam learning rate').argParser(number(0)).default(t.lr),
    )
    .addOption(new Option('--beta1 <b>', 'Adam β1, in [0, 1)').argParser(fraction).default(t.beta1))
    .addOption(
      new Option('--lr-policy <policy>', 'learning-rate schedule')
        .choices(['linear'])
        .default(t.lrPolicy),
    )
    .addOption(
      new Option('--n-epochs <n>', 'epochs at the initial learning rate')
        .argParser(integer(0))
        .default(t.nEpochs),
    )
    .addOption(
      new Option('--n-epochs-decay <n>', 'epochs of linear decay towards zero after --n-epochs')
        .argParser(integer(0))
        .default(t.nEpochsDecay),
    )
    .addOption(
      new Option('--display-freq <n>', 'write a sample grid every n iterations')
        .argParser(integer(1))
        .default(t.displayFreq),
    )
    .addOption(
      new Option('--print-freq <n>', 'log the losses every n iterations')
        .argParser(integer(1))
        .default(t.printFreq),
    )
    .addOption(
      new Option('--save-epoch-freq <n>', 'keep a checkpoint every n epochs')
        .argParser(integer(1))
        .default(t.saveEpochFreq),
    )
    .addOption(
      new Option('--save-latest-freq <n>', 'also save the latest checkpoint every n iterations')
        .argParser(integer(1))
        .default(t.saveLatestFreq),
    )
    .addOption(
      new Option('--seed <n>', 'seed of weights, data order, crops, flips and pools')
        .argParser(integer(0))
        .default(t.seed),
    )
    .option('--continue', 'resume the run from its latest checkpoint');
}

/** Commander's parsed values → typed train options. */
export function resolveTrainOptions(o: Record<string, unknown>): TrainOptions {
  const { flip, continue: cont, ...rest } = o;
  if (rest.frames === 'all') {
    throw new UserError(
      '--frames all is not supported by train yet: training reads the first frame of each ' +
        'DICOM file.',
      'Use --frames first, or split multi-frame files into one file per frame first.',
    );
  }
  if (String(rest.preprocess).endsWith('crop') && Number(rest.cropSize) % 4 !== 0) {
    throw new UserError(
      `--crop-size ${String(rest.cropSize)} is not a multiple of 4, which the generator needs ` +
        '(it halves the size twice and doubles it back).',
    );
  }
  if (Number(rest.nEpochs) + Number(rest.nEpochsDecay) < 1) {
    throw new UserError('--n-epochs plus --n-epochs-decay must be at least 1: nothing to train.');
  }
  return {
    ...(rest as Omit<TrainOptions, 'noFlip' | 'continueTrain'>),
    noFlip: flip === false,
    continueTrain: cont === true,
  } as TrainOptions;
}

/** The network settings, for checking a checkpoint against the command line. */
export function networkOptionsOf(o: Partial<NetworkOptions>): Partial<NetworkOptions> {
  const keys = networkOptionKeys;
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}
