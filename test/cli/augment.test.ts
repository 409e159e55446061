import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { ManifestRow, readManifest } from '../../src/batch/manifest';
import { AugmentOptions, runAugment } from '../../src/cli/augment';
import { runTranslate } from '../../src/cli/translate';
import { readDicom } from '../../src/data/dicom';
import { makeDicom, noDcmtk, run as dcmtk } from '../data/dicom/helpers';
import { rampSlice, writeCt } from '../support/dicom_dataset';
import { repoRoot } from '../support/python';
import { makeTinyRun } from '../support/tiny_run';

const bin = path.join(repoRoot(), 'bin', 'cyclegan.js');

/** Every file under `dir`, relative, '/'-separated, sorted. */
function tree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

function sha16(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 16);
}

/** A grey PNG's samples at its own depth, and its size. */
async function pngPixels(file: string) {
  const meta = await sharp(file).metadata();
  const depth = meta.depth === 'ushort' ? 'ushort' : 'uchar';
  const space = depth === 'ushort' ? 'grey16' : 'b-w';
  const raw = await sharp(file).toColourspace(space).raw({ depth }).toBuffer();
  const data =
    depth === 'ushort' ? new Uint16Array(raw.buffer, raw.byteOffset, raw.length / 2) : raw;
  return { data: Array.from(data), width: meta.width, height: meta.height };
}

async function greyPng(file: string, width: number, height: number, bits: 8 | 16, k: number) {
  const max = bits === 16 ? 65535 : 255;
  const samples = bits === 16 ? new Uint16Array(width * height) : new Uint8Array(width * height);
  for (let p = 0; p < samples.length; p++)
    samples[p] = Math.round((((p * 7 + k * 31) % 97) / 96) * max);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(samples, { raw: { width, height, channels: 1 } })
    .toColourspace(bits === 16 ? 'grey16' : 'b-w')
    .png()
    .toFile(file);
}

describe('cyclegan augment (tiny run on cpu)', () => {
  let tiny: { run: string; remove: () => void };
  let root: string;
  let input: string;
  const lines: string[] = [];
  const log = (line: string) => void lines.push(line);
  const options = (output: string, extra: Partial<AugmentOptions> = {}): AugmentOptions => ({
    checkpoint: tiny.run,
    epoch: 'latest',
    direction: 'AtoB',
    input,
    output: path.join(root, output),
    format: 'png',
    backend: 'cpu',
    precision: 'fp32',
    frames: 'first',
    ...extra,
  });
  const sources = ['ct/IM0', 'ct/IM1', 'ct/sub/IM2', 'photos/p16.png', 'photos/p8.png'];
  const sizes: Record<string, string> = {
    'ct/IM0': '20x18',
    'ct/IM1': '20x18',
    'ct/sub/IM2': '20x18',
    'photos/p16.png': '15x11',
    'photos/p8.png': '17x13',
  };

  before(async () => {
    tiny = await makeTinyRun();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cyclegan-augment-'));
    input = path.join(root, 'in');
    writeCt(path.join(input, 'ct', 'IM0'), rampSlice(18, 20, 0));
    writeCt(path.join(input, 'ct', 'IM1'), rampSlice(18, 20, 1));
    writeCt(path.join(input, 'ct', 'sub', 'IM2'), rampSlice(18, 20, 2));
    await greyPng(path.join(input, 'photos', 'p16.png'), 15, 11, 16, 1);
    await greyPng(path.join(input, 'photos', 'p8.png'), 17, 13, 8, 2);
  });
  after(() => {
    tiny.remove();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('PNG: mirrored tree, one ok row per file, the same pixels as translate, heat maps', async () => {
    const summary = await runAugment(options('png', { diff: true }), undefined, log);
    assert.deepEqual(
      { done: summary.done, skipped: summary.skipped, failed: summary.failed },
      { done: 5, skipped: 0, failed: 0 },
    );
    const out = path.join(root, 'png');
    assert.deepEqual(tree(out), [
      'ct/IM0.diff.png',
      'ct/IM0.png',
      'ct/IM1.diff.png',
      'ct/IM1.png',
      'ct/sub/IM2.diff.png',
      'ct/sub/IM2.png',
      'manifest.csv',
      'photos/p16.diff.png',
      'photos/p16.png',
      'photos/p8.diff.png',
      'photos/p8.png',
    ]);
    const id = sha16(path.join(tiny.run, 'checkpoints', 'latest', 'G_A.safetensors'));
    const { rows, torn, malformed } = readManifest(path.join(out, 'manifest.csv'));
    assert.deepEqual([torn, malformed], [0, 0]);
    assert.deepEqual(rows.map((r) => r.source).sort(), sources);
    for (const r of rows) {
      assert.equal(r.output, r.source.replace(/\.png$/, '') + '.png');
      assert.deepEqual(
        [r.frame, r.direction, r.checkpoint, r.epoch, r.size, r.status],
        ['', 'AtoB', id, '1', sizes[r.source], 'ok'],
      );
      assert.ok(Number(r.seconds) > 0);
      assert.ok(!Number.isNaN(Date.parse(r.finished)));
    }

    // translate with the same checkpoint gives the same pixels
    await runTranslate({ ...options('translated'), format: 'png' }, true);
    for (const r of rows) {
      const a = await pngPixels(path.join(out, r.output));
      const b = await pngPixels(path.join(root, 'translated', r.output));
      assert.deepEqual(a.data, b.data, r.output);
      const [w, h] = sizes[r.source].split('x').map(Number);
      assert.deepEqual([a.width, a.height], [w, h]);
      const diff = await sharp(path.join(out, r.output.replace(/\.png$/, '.diff.png'))).metadata();
      assert.deepEqual([diff.width, diff.height, diff.channels], [w, h, 3]);
    }
  });

  it('DICOM: derived files with the source size, spacing and depth, identifiers removed', async () => {
    await runAugment(options('dicom', { format: 'dicom' }), undefined, log);
    await runAugment(options('png16', { format: 'png16' }), undefined, log);
    const out = path.join(root, 'dicom');
    const { rows } = readManifest(path.join(out, 'manifest.csv'));
    assert.deepEqual(rows.map((r) => r.output).sort(), [
      'ct/IM0.dcm',
      'ct/IM1.dcm',
      'ct/sub/IM2.dcm',
      'photos/p16.dcm',
      'photos/p8.dcm',
    ]);
    for (const r of rows) {
      const file = path.join(out, r.output);
      const image = readDicom(new Uint8Array(fs.readFileSync(file)), file, {});
      const ct = r.source.startsWith('ct/');
      assert.equal(`${image.width}x${image.height}`, sizes[r.source]);
      assert.equal(image.meta.sopClassUid, '1.2.840.10008.5.1.4.1.1.7');
      assert.equal(image.meta.bitsStored, r.source === 'photos/p8.png' ? 8 : 16);
      assert.deepEqual(image.meta.pixelSpacing, ct ? [0.7, 0.7] : undefined);
      assert.equal(image.meta.attributes.PatientName, undefined);
      if (ct) assert.equal(image.meta.attributes.Modality, 'CT');
      // the 16-bit samples are those of --format png16
      if (image.meta.bitsStored === 16) {
        const png = await pngPixels(path.join(root, 'png16', r.output.replace(/\.dcm$/, '.png')));
        assert.deepEqual(
          Array.from(image.frames[0], (v) => Math.round(v * 65535)),
          png.data,
        );
      }
    }
    await runAugment(
      options('kept', { format: 'dicom', keepIdentifiers: true, input: path.join(input, 'ct') }),
      undefined,
      log,
    );
    const kept = path.join(root, 'kept', 'IM0.dcm');
    const meta = readDicom(new Uint8Array(fs.readFileSync(kept)), kept, {}).meta;
    assert.equal(meta.attributes.PatientName, 'Test^Patient');
  });

  it('DICOM output read by dcmdump', { skip: noDcmtk }, () => {
    const text = dcmtk('dcmdump', ['+L', path.join(root, 'dicom', 'ct', 'IM0.dcm')]);
    const id = sha16(path.join(tiny.run, 'checkpoints', 'latest', 'G_A.safetensors'));
    const description =
      'CycleGAN translation (cyclegan-ts): model cyclegan-ts resnet_6blocks; ' +
      `checkpoint tiny/latest sha256:${id}; direction AtoB`;
    assert.ok(text.includes(`(0008,2111) ST [${description}]`), text);
    assert.match(text, /\(0028,0030\) DS \[0\.7\\0\.7\]/);
    assert.match(text, /\(0028,0010\) US 18\b/);
    assert.match(text, /\(0028,0011\) US 20\b/);
    assert.match(text, /\(0010,0010\) PN \(no value available\)/);
  });

  it('a second run skips what is done and redoes only an output deleted since', async () => {
    fs.rmSync(path.join(root, 'png', 'ct', 'IM1.png'));
    const again = await runAugment(options('png', { diff: true }), undefined, log);
    assert.deepEqual([again.done, again.skipped, again.failed], [1, 4, 0]);
    const third = await runAugment(options('png', { diff: true }), undefined, log);
    assert.deepEqual([third.done, third.skipped, third.failed], [0, 5, 0]);
    // --diff added to a run without it: the heat maps are missing, so every file is redone
    const withDiff = await runAugment(
      options('png16', { format: 'png16', diff: true }),
      undefined,
      log,
    );
    assert.equal(withDiff.done, 5);
  });

  it('--frames all: a row per frame (k/N), resumed per file; first-frame rows do not count', async () => {
    const multi = path.join(root, 'multi-in');
    writeCt(path.join(multi, 'cine'), { ...rampSlice(12, 16, 5), frames: 3 });
    const opts = options('multi', { input: multi, frames: 'all' });
    await runAugment(options('multi', { input: multi }), undefined, log); // first frame only
    const all = await runAugment(opts, undefined, log);
    assert.deepEqual([all.done, all.skipped, all.images], [1, 0, 3]);
    const rows = readManifest(path.join(root, 'multi', 'manifest.csv')).rows;
    assert.deepEqual(
      rows.map((r) => [r.frame, r.output, r.size]).sort(), // frames finish in any order
      [
        ['', 'cine.png', '16x12'],
        ['1/3', 'cine-frame1.png', '16x12'],
        ['2/3', 'cine-frame2.png', '16x12'],
        ['3/3', 'cine-frame3.png', '16x12'],
      ],
    );
    assert.equal((await runAugment(opts, undefined, log)).skipped, 1);
    fs.rmSync(path.join(root, 'multi', 'cine-frame2.png'));
    assert.equal((await runAugment(opts, undefined, log)).done, 1);
  });

  it('shards: disjoint, their union is the whole input; merge-manifests joins them', async () => {
    const seen: string[] = [];
    for (const index of [0, 1, 2]) {
      const s = await runAugment(options('shards', { shard: { index, count: 3 } }), undefined, log);
      const file = path.join(root, 'shards', `manifest-${index}-of-3.csv`);
      assert.equal(s.manifest, file);
      const rows = readManifest(file).rows;
      assert.equal(rows.length, s.mine);
      seen.push(...rows.map((r) => r.source));
    }
    assert.deepEqual([...seen].sort(), sources);
    assert.equal(new Set(seen).size, seen.length);
    const merged = path.join(root, 'merged.csv');
    const r = spawnSync(
      process.execPath,
      [bin, 'merge-manifests', '--output', merged, '--input', input, path.join(root, 'shards')],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.equal(
      r.stdout.split('\n')[0],
      `Merged 3 manifest(s) into ${merged}: 5 row(s), 5 ok, 0 failed.`,
    );
    assert.deepEqual(
      readManifest(merged).rows.map((row) => row.source),
      sources,
    );
  });

  it('--shard-count takes the index from JOB_COMPLETION_INDEX', () => {
    const out = path.join(root, 'k8s');
    const r = spawnSync(
      process.execPath,
      [
        bin,
        'augment',
        '--checkpoint',
        tiny.run,
        '--direction',
        'AtoB',
        '--input',
        input,
        '--output',
        out,
        '--shard-count',
        '2',
        '--backend',
        'cpu',
      ],
      { encoding: 'utf8', env: { ...process.env, JOB_COMPLETION_INDEX: '1' } },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      tree(out).filter((f) => f.endsWith('.csv')),
      ['manifest-1-of-2.csv'],
    );
    assert.match(r.stderr, /, shard 1\/2: \d+ files, 0 already done,/);
  });

  it('refuses to overwrite the outputs of another direction in the same folder', async () => {
    await runAugment(options('two-ways'), undefined, log);
    await assert.rejects(runAugment(options('two-ways', { direction: 'BtoA' }), undefined, log), {
      name: 'UserError',
      message:
        /lists outputs of checkpoint [0-9a-f]+ \(AtoB\); this run would overwrite them with checkpoint [0-9a-f]+ \(BtoA\)\.$/,
    });
  });

  it('refuses contradicting options with one plain line', async () => {
    await assert.rejects(runAugment(options('x', { bits: 16 }), undefined, log), {
      name: 'UserError',
      message: '--bits 16 applies to --format dicom only.',
    });
    await assert.rejects(
      runAugment(options('x', { shard: { index: 0, count: 2 }, shardCount: 2 }), undefined, log),
      { name: 'UserError', message: 'Give --shard I/N or --shard-count N, not both.' },
    );
    await assert.rejects(
      runAugment(options('x', { output: path.join(input, 'out') }), undefined, log),
      {
        name: 'UserError',
        message: `--output ${path.join(input, 'out')} is inside --input ${input}.`,
      },
    );
  });

  it('each bad-file kind becomes a row with its reason and a log line; exit code 1', () => {
    const bad = path.join(root, 'bad');
    const good = makeDicom({ rows: 16, columns: 16, pixels: new Array(256).fill(7) });
    const files: Record<string, Uint8Array | string> = {
      'empty.png': '',
      'notes.png': 'not an image',
      'truncated.png': fs.readFileSync(path.join(root, 'png', 'ct', 'IM0.png')).subarray(0, 60),
      'cut.dcm': good.subarray(0, good.length - 100),
      nopixels: makeDicom({ rows: 2, columns: 2, pixels: [], noPixelData: true }),
      mpeg2: makeDicom({
        rows: 2,
        columns: 2,
        pixels: [],
        bitsAllocated: 8,
        transferSyntax: '1.2.840.10008.1.2.4.100',
        encapsulated: [Uint8Array.from([0, 0, 1, 0xb3])],
      }),
      short: makeDicom({ rows: 4, columns: 4, pixels: [1, 2, 3] }),
      'ok.dcm': good,
    };
    fs.mkdirSync(bad);
    for (const [name, bytes] of Object.entries(files))
      fs.writeFileSync(path.join(bad, name), bytes);
    const cut = files['cut.dcm'].length;
    const expected: Record<string, string> = {
      'cut.dcm': `truncated DICOM file: the file ends inside an element of the data set (${cut} bytes)`,
      'empty.png': 'empty file',
      mpeg2:
        'transfer syntax 1.2.840.10008.1.2.4.100 (MPEG2 Main Profile / Main Level) is not supported',
      nopixels: 'DICOM object has no pixel data (7FE0,0010): not an image',
      'notes.png': 'not an image (unrecognised format)',
      short: 'truncated pixel data: 6 bytes where 1 frame(s) of 4x4x1 at 16 bits need 32',
      'truncated.png': 'corrupt or truncated image data',
      'ok.dcm': 'ok',
    };
    const out = path.join(root, 'bad-out');
    const r = spawnSync(
      process.execPath,
      [
        bin,
        'augment',
        '--checkpoint',
        tiny.run,
        '--direction',
        'AtoB',
        '--input',
        bad,
        '--output',
        out,
        '--backend',
        'cpu',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 1, r.stderr);
    const rows = readManifest(path.join(out, 'manifest.csv')).rows;
    assert.deepEqual(
      Object.fromEntries(rows.map((row) => [row.source, row.status])),
      expected,
      r.stderr,
    );
    for (const row of rows.filter((x) => x.status !== 'ok')) {
      assert.equal(row.output, '');
      assert.ok(r.stderr.includes(`failed: ${path.join(bad, row.source)}: ${row.status}\n`));
    }
    const manifest = path.join(out, 'manifest.csv');
    assert.ok(
      r.stderr.includes(
        `error: 7 of 8 files failed; the manifest ${manifest} gives each reason.\n`,
      ),
      r.stderr,
    );
    assert.deepEqual(tree(out), ['manifest.csv', 'ok.png']);
  });

  it('killed with SIGKILL and run again: every file once with ok, no temporary files', async () => {
    const many = path.join(root, 'many');
    const names = Array.from(
      { length: 16 },
      (_, i) => `s${i % 2}/img${String(i).padStart(2, '0')}.png`,
    );
    for (const [i, name] of names.entries()) await greyPng(path.join(many, name), 64, 64, 8, i);
    const out = path.join(root, 'many-out');
    const manifest = path.join(out, 'manifest.csv');
    const args = [
      bin,
      'augment',
      '--checkpoint',
      tiny.run,
      '--direction',
      'AtoB',
      '--input',
      many,
      '--output',
      out,
      '--diff',
      '--backend',
      'cpu',
    ];

    // first run: killed as soon as its first row is on disk
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const text = fs.existsSync(manifest) ? fs.readFileSync(manifest, 'utf8') : '';
        if (text.split('\n').length >= 3 || child.exitCode !== null) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve();
        }
      }, 5);
    });
    assert.equal(await exited, 'SIGKILL');
    const before = readManifest(manifest).rows;
    assert.ok(before.length >= 1 && before.length < names.length, `${before.length} rows`);

    // what a kill at a worse moment leaves: a half-written output and a torn row
    const todo = names.find((n) => !before.some((row) => row.source === n))!;
    const leftover = path.join(
      out,
      path.dirname(todo),
      `.${path.basename(todo)}.4242.0123456789ab.tmp`,
    );
    fs.mkdirSync(path.dirname(leftover), { recursive: true });
    fs.writeFileSync(leftover, 'half a png');
    fs.appendFileSync(manifest, `${todo},,${todo},AtoB,`);

    const second = spawnSync(process.execPath, args, { encoding: 'utf8' });
    assert.equal(second.status, 0, second.stderr);
    assert.ok(second.stderr.includes(`${manifest}: cut off a torn last line left by a killed run`));
    const rows: ManifestRow[] = readManifest(manifest).rows;
    assert.deepEqual(rows.map((row) => row.source).sort(), [...names].sort());
    assert.ok(rows.every((row) => row.status === 'ok'));
    const files = tree(out);
    assert.deepEqual(
      files.filter((f) => f.endsWith('.tmp')),
      [],
    );
    assert.equal(fs.readdirSync(path.join(out, 's0')).filter((f) => f.startsWith('.')).length, 0);
    assert.equal(files.length, 1 + 2 * names.length); // manifest, outputs, heat maps
    for (const name of names) {
      const m = await sharp(path.join(out, name)).stats(); // decodes the whole file
      assert.equal(m.channels.length, 1);
      const meta = await sharp(path.join(out, name.replace(/\.png$/, '.diff.png'))).metadata();
      assert.deepEqual([meta.width, meta.height], [64, 64]);
    }
  });
});
