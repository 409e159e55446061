import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { it } from 'node:test';
import { trainingStepFlops } from '../../src/bench/flops';
import { defaultNetworkOptions } from '../../src/models/options';
import { repoRoot } from '../support/python';

it('bench runs and prints one JSON line with the timing fields', () => {
  const r = spawnSync(
    process.execPath,
    [
      path.join(repoRoot(), 'bin', 'cyclegan.js'),
      'bench',
      '--size',
      '32',
      '--netG',
      'resnet_6blocks',
      '--ngf',
      '4',
      '--input-nc',
      '1',
      '--iters',
      '1',
      '--backend',
      'cpu',
      '--json',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const result = JSON.parse(lines[0]);
  for (const key of ['backend', 'precision', 'threads', 'median_s', 'min_s', 'peak_rss_mb']) {
    assert.ok(key in result, `missing ${key}`);
  }
  assert.equal(result.backend, 'cpu');
  assert.equal(result.precision, 'fp32');
  assert.ok(result.median_s > 0 && result.min_s <= result.median_s);
});

it('counts the FLOPs of a training step from the layer shapes', () => {
  // resnet_6blocks, ngf 1, 1 channel, 32×32, ndf 1: forward FLOPs of G (2·k²·Cin·Cout·H·W):
  //   7×7 1→1 @32²: 100352; 3×3 1→2 @16²: 9216; 3×3 2→4 @8²: 9216; 12 × 3×3 4→4 @8²: 221184;
  //   up 4→2 @16² (as 2→4 @8²): 9216; 2→1 @32² (as 1→2 @16²): 9216; 7×7 1→1 @32²: 100352.
  const g = 100352 + 9216 + 9216 + 221184 + 9216 + 9216 + 100352;
  // D (4×4 kernels): 1→1 @16²: 8192; 1→2 @8²: 4096; 2→4 @4²: 4096; 4→8 @3²: 9216; 8→1 @2²: 1024.
  const d = 8192 + 4096 + 4096 + 9216 + 1024;
  const net = {
    ...defaultNetworkOptions,
    netG: 'resnet_6blocks' as const,
    ngf: 1,
    ndf: 1,
    inputNc: 1 as const,
    outputNc: 1 as const,
  };
  assert.equal(trainingStepFlops(net, 32, 32), 18 * g + 16 * d);
});
