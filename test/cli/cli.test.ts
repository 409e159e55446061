import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { repoRoot } from '../support/python';
import { makeTinyDataset } from '../support/tiny_dataset';

const bin = path.join(repoRoot(), 'bin', 'cyclegan.js');

function cyclegan(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cyclegan command line', () => {
  let dataroot: string;
  let work: string;
  before(async () => {
    dataroot = await makeTinyDataset({ trainA: 2, trainB: 2, testA: 2, testB: 1 }, 18);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cyclegan-cli-'));
    // An odd-sized test image: translate must pad, run and crop back.
    await sharp({ create: { width: 13, height: 7, channels: 3, background: '#808080' } })
      .png()
      .toFile(path.join(dataroot, 'testA', 'odd.png'));
  });
  after(() => {
    fs.rmSync(dataroot, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('--help lists every command, and each command has its own help', () => {
    const top = cyclegan(['--help'], work);
    assert.equal(top.status, 0);
    for (const c of ['train', 'translate', 'demo'])
      assert.match(top.stdout, new RegExp(`\\n  ${c}`));
    const help = cyclegan(['train', '--help'], work);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--lambda-identity <w>/);
    assert.match(help.stdout, /\(default: 0\.5\)/);
  });

  it('trains a few iterations, then translates at the input size', () => {
    const args = [
      'train',
      '--dataroot',
      dataroot,
      '--name',
      'tiny',
      '--checkpoints-dir',
      'runs',
      '--netG',
      'resnet_6blocks',
      '--ngf',
      '4',
      '--ndf',
      '4',
      '--input-nc',
      '1',
      '--output-nc',
      '1',
      '--load-size',
      '28',
      '--crop-size',
      '24',
      '--n-epochs',
      '1',
      '--n-epochs-decay',
      '0',
      '--backend',
      'cpu',
      '--display-freq',
      '1',
    ];
    const t = cyclegan(args, work);
    assert.equal(t.status, 0, t.stderr);
    assert.match(
      t.stderr,
      /^cyclegan train: backend cpu \(\d+ threads, fp32\), trainA 2 images, trainB 2 images, 0\.\d+ M parameters/m,
    );
    const run = path.join(work, 'runs', 'tiny');
    assert.ok(fs.existsSync(path.join(run, 'checkpoints', 'latest', 'G_A.safetensors')));

    const out = path.join(work, 'fakeB');
    const r = cyclegan(
      [
        'translate',
        '--checkpoint',
        run,
        '--direction',
        'AtoB',
        '--input',
        path.join(dataroot, 'testA'),
        '--output',
        out,
        '--backend',
        'cpu',
      ],
      work,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(out).sort(), ['001.png', '002.png', 'odd.png']);
    return sharp(path.join(out, 'odd.png'))
      .metadata()
      .then((m) => {
        assert.equal(m.width, 13);
        assert.equal(m.height, 7);
      });
  });

  it('translate skips a PNG whose pixel data is cut off, translates the rest and says so', async () => {
    const input = path.join(work, 'mixed');
    fs.mkdirSync(input, { recursive: true });
    for (const name of fs.readdirSync(path.join(dataroot, 'testA')))
      fs.copyFileSync(path.join(dataroot, 'testA', name), path.join(input, name));
    // A valid header and the start of the data, as an interrupted copy leaves it: the
    // size reads fine, the pixels do not.
    const noise = Buffer.alloc(64 * 64 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 251;
    const whole = await sharp(noise, { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toBuffer();
    fs.writeFileSync(path.join(input, '000_cut.png'), whole.subarray(0, 200));
    const out = path.join(work, 'mixed-out');
    const r = cyclegan(
      [
        'translate',
        '--checkpoint',
        path.join(work, 'runs', 'tiny'),
        '--input',
        input,
        '--output',
        out,
        '--backend',
        'cpu',
      ],
      work,
    );
    assert.equal(r.status, 1);
    assert.match(r.stderr, /warning: skipping .*000_cut\.png/);
    assert.match(r.stderr, /1 file could not be read \(listed above\); 3 images translated/);
    assert.deepEqual(fs.readdirSync(out).sort(), ['001.png', '002.png', 'odd.png']);
  });

  it("--continue takes the run's own options for those not given, and trains on", () => {
    const r = cyclegan(
      [
        'train',
        '--dataroot',
        dataroot,
        '--name',
        'tiny',
        '--checkpoints-dir',
        'runs',
        '--continue',
        '--n-epochs',
        '2',
        '--backend',
        'cpu',
      ],
      work,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /resuming at epoch 2 iteration 0/);
    const opts = JSON.parse(
      fs.readFileSync(path.join(work, 'runs', 'tiny', 'options.json'), 'utf8'),
    );
    assert.equal(opts.options.ngf, 4);
    assert.equal(opts.options.nEpochs, 2);
    const state = path.join(work, 'runs', 'tiny', 'checkpoints', 'latest', 'state.json');
    assert.equal(JSON.parse(fs.readFileSync(state, 'utf8')).epoch, 3);
  });

  it('Ctrl-C saves the latest checkpoint and exits 130, so that `train && translate` stops', async () => {
    const child = spawn(
      process.execPath,
      [
        bin,
        'train',
        '--dataroot',
        dataroot,
        '--name',
        'interrupted',
        '--checkpoints-dir',
        'runs',
        '--netG',
        'resnet_6blocks',
        '--ngf',
        '4',
        '--ndf',
        '4',
        '--load-size',
        '24',
        '--crop-size',
        '24',
        '--n-epochs',
        '10000',
        '--backend',
        'cpu',
      ],
      { cwd: work },
    );
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // Interrupt once training is under way (the first epoch has ended).
        if (/epoch 1 done/.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (status) => resolve(status));
    });
    assert.equal(code, 130, stderr);
    assert.match(
      stderr,
      /Stopped; saved runs\/interrupted\/checkpoints\/latest\. Resume with --continue\./,
    );
    const state = path.join(work, 'runs', 'interrupted', 'checkpoints', 'latest', 'state.json');
    assert.ok(JSON.parse(fs.readFileSync(state, 'utf8')).epoch >= 2);
  });

  it('--continue names the flag that contradicts the run, and a finished run says how to go on', () => {
    const base = ['train', '--dataroot', dataroot, '--name', 'tiny', '--checkpoints-dir', 'runs'];
    const clash = cyclegan(
      [...base, '--continue', '--netG', 'resnet_9blocks', '--backend', 'cpu'],
      work,
    );
    assert.equal(clash.status, 1);
    assert.match(
      clash.stderr,
      /runs\/tiny was trained with --netG resnet_6blocks; this command gives --netG resnet_9blocks\./,
    );
    assert.match(clash.stderr, /Leave --netG out: --continue takes the run's own value\./);
    // A channel count that differs is named as such, before the identity loss could object.
    const channels = cyclegan([...base, '--continue', '--input-nc', '3', '--backend', 'cpu'], work);
    assert.match(channels.stderr, /was trained with --input-nc 1; this command gives --input-nc 3/);
    const done = cyclegan([...base, '--continue', '--lr', '0.001', '--backend', 'cpu'], work);
    assert.equal(done.status, 1);
    assert.match(done.stderr, /has finished all its 2 epochs .* there is nothing to continue/);
    assert.match(done.stderr, /raise --n-epochs or --n-epochs-decay with --continue/);
    const opts = JSON.parse(
      fs.readFileSync(path.join(work, 'runs', 'tiny', 'options.json'), 'utf8'),
    );
    assert.equal(opts.options.lr, 0.0002, 'a refused --continue leaves the options file alone');
  });

  it('translate refuses a setting that contradicts the run, naming both values', () => {
    const run = path.join(work, 'runs', 'tiny');
    const r = cyclegan(
      [
        'translate',
        '--checkpoint',
        run,
        '--ngf',
        '64',
        '--input',
        dataroot,
        '--output',
        path.join(work, 'x'),
        '--backend',
        'cpu',
      ],
      work,
    );
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr.split('\n')[0],
      `error: --ngf 64 contradicts the run's own setting 4 (${path.join(run, 'options.json')}).`,
    );
  });

  it('a missing data folder is one line naming it, no stack trace', () => {
    const r = cyclegan(
      ['train', '--dataroot', path.join(work, 'nowhere'), '--name', 'x', '--backend', 'cpu'],
      work,
    );
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr.split('\n')[0],
      `error: Folder ${path.join(work, 'nowhere')} does not exist. Check --dataroot.`,
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('a bad option value names the option and what it expects', () => {
    const r = cyclegan(['train', '--dataroot', dataroot, '--name', 'x', '--ngf', '-3'], work);
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      /option '--ngf <n>' argument '-3' is invalid\. Expected an integer ≥ 1, got '-3'\./,
    );
  });
});
