/**
 * A generator trained in PyTorch, saved as safetensors with the reference
 * release's names, translates an image here as it does there.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { it } from 'node:test';
import sharp from 'sharp';
import { decodeImage } from '../../src/data/image';
import { Rng } from '../../src/util/rng';
import { repoRoot, torchPython, torchReference } from '../support/python';

const py = torchPython();

it(
  'translate --generator with PyTorch weights matches PyTorch (20×28 RGB, 8-bit output ±1)',
  { skip: 'skip' in py ? py.skip : undefined },
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cyclegan-torch-g-'));
    const [h, w] = [20, 28];
    const rng = Rng.derive(5);
    const pixels = Buffer.from(Array.from({ length: h * w * 3 }, () => rng.int(256)));
    const png = path.join(dir, 'photo.png');
    await sharp(pixels, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toFile(png);
    const image = await decodeImage(png, 3);
    const nchw: number[] = [];
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < h * w; i++) nchw.push(image.data[i * 3 + c]);
    }
    const casePath = path.join(dir, 'case.json');
    fs.writeFileSync(
      casePath,
      JSON.stringify({
        channels: 3,
        ngf: 8,
        blocks: 6,
        image: { shape: [1, 3, h, w], data: nchw },
      }),
    );
    const weights = path.join(dir, 'G.safetensors');
    const outJson = path.join(dir, 'out.json');
    const script = path.join(repoRoot(), 'test', 'models', 'torch_generator.py');
    const p = spawnSync(
      (py as { python: string }).python,
      [script, torchReference(), casePath, weights, outJson],
      {
        encoding: 'utf8',
        env: { ...process.env, OMP_NUM_THREADS: '1' },
      },
    );
    assert.equal(p.status, 0, p.stderr);
    const theirs = JSON.parse(fs.readFileSync(outJson, 'utf8')) as { data: number[] };

    const out = path.join(dir, 'out');
    const r = spawnSync(
      process.execPath,
      [
        path.join(repoRoot(), 'bin', 'cyclegan.js'),
        'translate',
        '--generator',
        weights,
        '--netG',
        'resnet_6blocks',
        '--ngf',
        '8',
        '--input-nc',
        '3',
        '--output-nc',
        '3',
        '--input',
        png,
        '--output',
        out,
        '--backend',
        'cpu',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const { data, info } = await sharp(path.join(out, 'photo.png'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.height, info.width, info.channels], [h, w, 3]);
    let worst = 0;
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < h * w; i++) {
        const expected = Math.round((theirs.data[c * h * w + i] + 1) * 127.5);
        worst = Math.max(worst, Math.abs(data[i * 3 + c] - expected));
      }
    }
    assert.ok(worst <= 1, `largest difference ${worst} grey levels`);
    fs.rmSync(dir, { recursive: true });
  },
);
