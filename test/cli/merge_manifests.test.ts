import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatRow, MANIFEST_COLUMNS, ManifestRow, readManifest } from '../../src/batch/manifest';
import { manifestFiles, mergeManifests } from '../../src/cli/merge_manifests';
import { repoRoot } from '../support/python';

const bin = path.join(repoRoot(), 'bin', 'cyclegan.js');

/** A row for input `<name>.png`. */
function row(name: string, status: string, finished: string, frame = ''): ManifestRow {
  return {
    source: `${name}.png`,
    frame,
    output: status === 'ok' ? `${name}.png` : '',
    direction: 'AtoB',
    checkpoint: '0123456789abcdef',
    epoch: '5',
    size: status === 'ok' ? '8x8' : '',
    status,
    seconds: '0.100',
    finished: `2025-03-01T10:00:0${finished}.000Z`,
  };
}

function write(file: string, rows: ManifestRow[], torn = '') {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, MANIFEST_COLUMNS.join(',') + '\n' + rows.map(formatRow).join('') + torn);
}

describe('cyclegan merge-manifests', () => {
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cyclegan-merge-'));
    const shards = path.join(root, 'out');
    // shard 0: a failed then ok (by time), b ok, a multi-frame source with frame 2 missing
    write(path.join(shards, 'manifest-0-of-4.csv'), [
      row('a', 'ok', '3'),
      row('b', 'ok', '1'),
      row('m', 'ok', '1', '1/3'),
      row('m', 'ok', '1', '3/3'),
    ]);
    // shard 1: a's older failure, c failed twice (the later reason wins), a torn last line
    write(
      path.join(shards, 'manifest-1-of-4.csv'),
      [row('a', 'empty file', '1'), row('c', 'empty file', '1'), row('c', 'not an image', '2')],
      'd.png,,d.png,AtoB,01',
    );
    // shard 3 present, shard 2 missing; and something that is not a manifest
    write(path.join(shards, 'manifest-3-of-4.csv'), [row('e', 'ok', '1')]);
    fs.writeFileSync(path.join(shards, 'notes.csv'), 'x\n');
    // the input: a..e, f and m; d and f are in no manifest (d's row is torn)
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f', 'm']) {
      fs.mkdirSync(path.join(root, 'in'), { recursive: true });
      fs.writeFileSync(path.join(root, 'in', `${name}.png`), '');
    }
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('a folder gives its manifest*.csv files, nothing else', () => {
    assert.deepEqual(
      manifestFiles([path.join(root, 'out')]).map((f) => path.basename(f)),
      ['manifest-0-of-4.csv', 'manifest-1-of-4.csv', 'manifest-3-of-4.csv'],
    );
    assert.throws(() => manifestFiles([path.join(root, 'in')]), {
      name: 'UserError',
      message: `No manifests in ${path.join(root, 'in')} (expected manifest.csv or manifest-<I>-of-<N>.csv).`,
    });
  });

  it('one row per source and frame: the latest ok, else the latest failure; gaps reported', async () => {
    const output = path.join(root, 'merged.csv');
    const input = path.join(root, 'in');
    const report = await mergeManifests([path.join(root, 'out')], { output, input });
    const merged = readManifest(output).rows;
    assert.deepEqual(
      merged.map((r) => [r.source, r.frame, r.status, r.finished.slice(17, 19)]),
      [
        ['a.png', '', 'ok', '03'],
        ['b.png', '', 'ok', '01'],
        ['c.png', '', 'not an image', '02'],
        ['e.png', '', 'ok', '01'],
        ['m.png', '1/3', 'ok', '01'],
        ['m.png', '3/3', 'ok', '01'],
      ],
    );
    assert.deepEqual(
      report.failed.map((r) => r.source),
      ['c.png'],
    );
    assert.deepEqual(report.incomplete, ['m.png (frames 2 of 3 missing)']);
    assert.deepEqual([...report.missingShards], [[4, [2]]]);
    assert.deepEqual(report.unlisted, ['d.png', 'f.png']);
    assert.equal(report.tornLines, 1);
  });

  it('the command prints the report and exits 1 when anything is missing', () => {
    const output = path.join(root, 'merged-cli.csv');
    const input = path.join(root, 'in');
    const r = spawnSync(
      process.execPath,
      [bin, 'merge-manifests', '--output', output, '--input', input, path.join(root, 'out')],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 1);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      `Merged 3 manifest(s) into ${output}: 6 row(s), 5 ok, 1 failed.`,
      '1 manifest(s) end with a torn line (ignored).',
      'Shard manifests missing: manifest-2-of-4.csv (3 of 4 present).',
      'Failed (1):',
      '  c.png: not an image',
      'Frames missing (1):',
      '  m.png (frames 2 of 3 missing)',
      `In ${input} but in no manifest (2):`,
      '  d.png',
      '  f.png',
    ]);
    assert.equal(
      r.stderr.trim(),
      'error: The merged manifest is incomplete: 1 failed, 1 with frames missing, ' +
        '2 in no manifest, shard manifests missing.',
    );
  });

  it('complete manifests merge with exit code 0', () => {
    const good = path.join(root, 'good');
    write(path.join(good, 'manifest-0-of-2.csv'), [row('x', 'ok', '1')]);
    write(path.join(good, 'manifest-1-of-2.csv'), [row('y', 'ok', '1')]);
    const output = path.join(root, 'good.csv');
    const r = spawnSync(
      process.execPath,
      [
        bin,
        'merge-manifests',
        '--output',
        output,
        ...fs.readdirSync(good).map((f) => path.join(good, f)),
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `Merged 2 manifest(s) into ${output}: 2 row(s), 2 ok, 0 failed.\n`);
  });
});
