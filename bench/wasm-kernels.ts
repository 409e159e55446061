/**
 * Speed of one 3×3 convolution, 64 → 64 channels on 64×64 (the generator's first block size
 * at 256 px is 4× this), forward and both gradients, on the wasm backend with our training
 * kernels and on the cpu backend.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/wasm-kernels.js [--threads N] [--backend wasm|cpu]
 *
 * One backend and thread count per process: the wasm thread pool is fixed once it starts.
 */
import { selectBackend } from '../src/engine/backend';
import { tf } from '../src/engine/tf';

interface Options {
  backend: 'wasm' | 'cpu';
  threads: number;
  size: number;
  channels: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { backend: 'wasm', threads: 2, size: 64, channels: 64 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--backend' && (value === 'wasm' || value === 'cpu')) options.backend = value;
    else if (flag === '--threads') options.threads = Number(value);
    else if (flag === '--size') options.size = Number(value);
    else if (flag === '--channels') options.channels = Number(value);
    else throw new Error(`unknown option ${flag} ${value}`);
  }
  return options;
}

/** Median milliseconds of `fn` (which must finish its work synchronously). */
function time(fn: () => void, minRuns: number, budgetMs: number): number {
  fn(); // warm-up: XNNPACK operators, heap growth
  const runs: number[] = [];
  const start = performance.now();
  while (runs.length < minRuns || (performance.now() - start < budgetMs && runs.length < 50)) {
    const t = performance.now();
    fn();
    runs.push(performance.now() - t);
  }
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)];
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const choice = await selectBackend({ backend: options.backend, threads: options.threads });
  const { size, channels } = options;
  const x = tf.randomNormal([1, size, size, channels]) as tf.Tensor4D;
  const filter = tf.randomNormal([3, 3, channels, channels]) as tf.Tensor4D;
  const dy = tf.randomNormal([1, size, size, channels]) as tf.Tensor4D;
  const flops = 2 * size * size * channels * channels * 9; // one convolution's multiply-adds × 2
  const [minRuns, budget] = options.backend === 'cpu' ? [2, 3000] : [5, 2000];

  // Both backends run kernels synchronously: when an op returns, its work is done, so nothing
  // is read back (that would add a copy of the output to every timing).
  const sync = (t: tf.Tensor) => void t.shape;
  const kernels: Array<[string, number, () => void]> = [
    ['Conv2D (forward)', flops, () => tf.tidy(() => sync(tf.conv2d(x, filter, 1, 'same')))],
    [
      'Conv2DBackpropInput (dx)',
      flops,
      () => tf.tidy(() => sync(tf.conv2dTranspose(dy, filter, x.shape, 1, 'same'))),
    ],
    [
      'Conv2DBackpropFilter (dW)',
      flops,
      () =>
        tf.tidy(() =>
          sync(
            tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
              strides: 1,
              pad: 'same',
              dataFormat: 'NHWC',
              filterShape: filter.shape,
            } as unknown as tf.NamedAttrMap) as tf.Tensor,
          ),
        ),
    ],
    [
      'forward + backward (y, dx, dW)',
      3 * flops,
      () =>
        tf.tidy(() => {
          const grads = tf.grads((a: tf.Tensor, f: tf.Tensor) =>
            tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'), dy)),
          );
          grads([x, filter]).forEach(sync);
        }),
    ],
  ];

  console.log(
    `${choice.name}, ${choice.threads} thread(s): 3×3 conv ${channels}→${channels} ch, ` +
      `1×${size}×${size}, ${(flops / 1e6).toFixed(0)} MFLOP per convolution`,
  );
  for (const [name, work, fn] of kernels) {
    const ms = time(fn, minRuns, budget);
    const gflops = work / ms / 1e6;
    console.log(
      `  ${name.padEnd(32)} ${ms.toFixed(2).padStart(9)} ms  ${gflops.toFixed(1)} GFLOP/s`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
