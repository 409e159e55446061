/**
 * `npm run bench`: our training step (and translation) against the PyTorch
 * reference on this machine, same sizes and threads, one after the other in
 * one run, as a table with their ratio (ours / PyTorch, lower is better).
 *
 *   npm run bench                    every case below
 *   npm run bench -- --quick         the 32×32 and 128×128 fp32 cases only
 *   npm run bench -- --iters 5       timed iterations per case (default 3; at least 15 at 32×32)
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { torchPython } from '../test/support/python';

interface Case {
  label: string;
  size: number;
  blocks: 6 | 9;
  channels: 1 | 3;
  bf16?: boolean;
  translate?: boolean;
  quick?: boolean;
}

const cases: Case[] = [
  {
    label: '32×32 resnet_6blocks 1ch fp32 (demo size)',
    size: 32,
    blocks: 6,
    channels: 1,
    quick: true,
  },
  { label: '128×128 resnet_9blocks 3ch fp32', size: 128, blocks: 9, channels: 3, quick: true },
  { label: '128×128 resnet_9blocks 3ch bf16', size: 128, blocks: 9, channels: 3, bf16: true },
  { label: '256×256 resnet_9blocks 3ch fp32', size: 256, blocks: 9, channels: 3 },
  {
    label: 'translate 256×256 resnet_9blocks 3ch fp32',
    size: 256,
    blocks: 9,
    channels: 3,
    translate: true,
  },
];

function root(): string {
  return path.resolve(__dirname, '..', '..');
}

function run(cmd: string, args: string[]): Record<string, unknown> {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: root() });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop()!;
  return JSON.parse(line) as Record<string, unknown>;
}

function main() {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const i = argv.indexOf('--iters');
  const iters = i >= 0 ? Number(argv[i + 1]) : 3;
  const threads = os.availableParallelism();
  const py = torchPython();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `Machine: ${cpu}, ${threads} threads, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}`,
  );
  if ('skip' in py) console.log(`PyTorch column empty: ${py.skip}`);
  const rows: string[][] = [
    ['case', 'ours (s)', 'PyTorch (s)', 'ratio', 'ours GFLOP/s', 'peak MB ours / PyTorch'],
  ];
  let peak: number | undefined;
  for (const c of cases.filter((c) => !quick || c.quick)) {
    const netG = c.blocks === 6 ? 'resnet_6blocks' : 'resnet_9blocks';
    // A 32×32 step takes a fifth of a second: more iterations (the same on both sides)
    // keep one slow moment of a shared machine from deciding its median.
    const caseIters = String(c.size <= 32 ? Math.max(iters, 15) : iters);
    const ours = run(process.execPath, [
      path.join(root(), 'bin', 'cyclegan.js'),
      'bench',
      '--size',
      String(c.size),
      '--netG',
      netG,
      '--input-nc',
      String(c.channels),
      '--iters',
      String(caseIters),
      '--threads',
      String(threads),
      '--json',
      ...(c.bf16 ? ['--precision', 'bf16'] : []),
      ...(c.translate ? ['--translate'] : []),
      ...(peak === undefined ? ['--peak'] : []),
    ]);
    if (peak === undefined) peak = ours.conv_peak_gflops as number;
    let theirs: Record<string, unknown> | undefined;
    if (!('skip' in py)) {
      const script = c.translate ? 'torch_translate.py' : 'torch_cyclegan_step.py';
      theirs = run(py.python, [
        path.join(root(), 'bench', 'reference', script),
        '--size',
        String(c.size),
        '--blocks',
        String(c.blocks),
        '--channels',
        String(c.channels),
        '--iters',
        String(caseIters),
        '--threads',
        String(threads),
        ...(c.bf16 ? ['--bf16'] : []),
      ]);
    }
    const o = ours.median_s as number;
    const t = theirs?.median_s as number | undefined;
    rows.push([
      `${c.label} [${ours.backend}]`,
      o.toFixed(3),
      t === undefined ? '-' : t.toFixed(3),
      t === undefined ? '-' : (o / t).toFixed(2),
      String(ours.gflops),
      `${ours.peak_rss_mb} / ${theirs ? Math.round(theirs.peak_rss_mb as number) : '-'}`,
    ]);
    console.log(rows[rows.length - 1].join(' | '));
  }
  console.log('');
  const widths = rows[0].map((_, k) => Math.max(...rows.map((r) => r[k].length)));
  for (const r of rows) console.log('| ' + r.map((v, k) => v.padEnd(widths[k])).join(' | ') + ' |');
  if (peak !== undefined)
    console.log(`\n3×3 convolution peak of our backend (64×64×256): ${peak} GFLOP/s`);
}

main();
