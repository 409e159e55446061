import { Command, Option } from 'commander';
import { selectBackend } from '../engine/backend';
import { tf } from '../engine/tf';
import { trainingStepFlops, translateFlops } from '../bench/flops';
import { CycleGAN } from '../models/cyclegan';
import { defaultLossOptions, defaultNetworkOptions, NetworkOptions } from '../models/options';
import { ResnetGenerator } from '../models/resnet_generator';
import { UserError } from '../util/errors';
import { Rng } from '../util/rng';
import { addEngineOptions, EngineOptions } from './options';
import { channels, integer } from './parse';

interface BenchOptions extends EngineOptions {
  size: number;
  netG: NetworkOptions['netG'];
  ngf: number;
  inputNc: 1 | 3;
  iters: number;
  translate: boolean;
  peak: boolean;
  json: boolean;
}

export function register(program: Command) {
  const cmd = program
    .command('bench')
    .description('time full training iterations (or translations) on random images')
    .addOption(new Option('--size <px>', 'image side').argParser(integer(8)).default(256))
    .addOption(
      new Option('--netG <arch>', 'generator')
        .choices(['resnet_9blocks', 'resnet_6blocks'])
        .default('resnet_9blocks'),
    )
    .addOption(
      new Option(
        '--ngf <n>',
        'generator filters (discriminators keep 64, as the PyTorch reference script)',
      )
        .argParser(integer(1))
        .default(64),
    )
    .addOption(new Option('--input-nc <n>', 'image channels').argParser(channels).default(3))
    .addOption(
      new Option('--iters <n>', 'timed iterations after one warm-up')
        .argParser(integer(1))
        .default(5),
    )
    .option('--translate', 'time the generator alone (inference), not training')
    .option('--peak', 'also measure the 3×3 convolution peak of the backend (64×64×256)')
    .option('--json', 'print one JSON line');
  addEngineOptions(cmd).action(async (o: BenchOptions) => {
    const result = await runBench(o);
    if (o.json) console.log(JSON.stringify(result));
    else
      console.log(
        Object.entries(result)
          .map(([k, v]) => `${k}: ${v}`)
          .join('\n'),
      );
  });
}

export async function runBench(o: BenchOptions) {
  if (o.size % 4 !== 0) {
    throw new UserError(`--size ${o.size} is not a multiple of 4, which the generator needs.`);
  }
  const backend = await selectBackend(o);
  const net: NetworkOptions = {
    ...defaultNetworkOptions,
    netG: o.netG,
    ngf: o.ngf,
    ndf: 64,
    inputNc: o.inputNc,
    outputNc: o.inputNc,
  };
  const image = () => tf.randomUniform([1, o.size, o.size, o.inputNc], -1, 1) as tf.Tensor4D;
  const realA = image();
  const realB = image();
  let run: () => void;
  let flops: number;
  let dispose: () => void;
  if (o.translate) {
    const g = new ResnetGenerator(net, Rng.derive(0));
    run = () => tf.tidy(() => void g.apply(realA).dataSync());
    flops = translateFlops(net, o.size, o.size);
    dispose = () => g.params.forEach((v) => v.dispose());
  } else {
    const model = new CycleGAN(
      { ...net, ...defaultLossOptions, poolSize: 50, beta1: 0.5 },
      Rng.derive(0),
    );
    run = () => void model.trainStep(realA, realB, 2e-4);
    flops = trainingStepFlops(net, o.size, o.size);
    dispose = () => model.dispose();
  }
  run(); // warm-up: kernel set-up, primitive caches, first allocations
  const times: number[] = [];
  for (let i = 0; i < o.iters; i++) {
    const t = performance.now();
    run();
    times.push((performance.now() - t) / 1000);
  }
  dispose();
  tf.dispose([realA, realB]);
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const peak = o.peak ? convPeak() : undefined;
  return {
    impl: 'cyclegan-ts',
    mode: o.translate ? 'translate' : 'train',
    backend: backend.name,
    precision: backend.precision,
    threads: backend.threads,
    size: o.size,
    netG: o.netG,
    ngf: o.ngf,
    input_nc: o.inputNc,
    iters: o.iters,
    median_s: round(median),
    min_s: round(times[0]),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    conv_gflop: round(flops / 1e9),
    gflops: round(flops / 1e9 / median),
    ...(peak === undefined ? {} : { conv_peak_gflops: round(peak) }),
  };
}

/**
 * GFLOP/s of a 3×3 convolution, 64×64 pixels, 256 → 256 channels: the backend's practical
 * peak. The best of 5 rounds of 4 convolutions, since a peak is what the machine can do and
 * a shared machine's noise only ever slows a round down.
 */
function convPeak(): number {
  const x = tf.randomUniform([1, 64, 64, 256]) as tf.Tensor4D;
  const f = tf.randomUniform([3, 3, 256, 256]) as tf.Tensor4D;
  const once = () => tf.tidy(() => void tf.conv2d(x, f, 1, 'same').dataSync());
  once();
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t = performance.now();
    for (let i = 0; i < 4; i++) once();
    best = Math.min(best, (performance.now() - t) / 1000 / 4);
  }
  tf.dispose([x, f]);
  return (2 * 9 * 256 * 256 * 64 * 64) / 1e9 / best;
}

function round(v: number) {
  return Math.round(v * 1e4) / 1e4;
}
