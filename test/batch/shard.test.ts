import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  manifestName,
  parseShard,
  shardFromEnv,
  shardOf,
  shardOfManifestName,
} from '../../src/batch/shard';

describe('shards', () => {
  it('shard of a path: the first 48 bits of its sha256, mod N', () => {
    for (const rel of ['a/b.dcm', '6154', 'ct/1.2.840.113619.2.5/IM0001']) {
      const digest = createHash('sha256').update(rel).digest('hex');
      const expected = Number(BigInt('0x' + digest.slice(0, 12)) % 7n);
      assert.equal(shardOf(rel, 7), expected, rel);
    }
    assert.equal(shardOf('anything', 1), 0);
  });

  it('shards of a folder are disjoint, cover it, and are roughly even', () => {
    const rels = Array.from({ length: 3000 }, (_, i) => `p${i % 37}/s${i}/IM${i}.dcm`);
    const shards = [0, 1, 2].map((k) => rels.filter((r) => shardOf(r, 3) === k));
    assert.equal(
      shards.reduce((n, s) => n + s.length, 0),
      rels.length,
    );
    assert.equal(new Set(shards.flat()).size, rels.length);
    for (const s of shards) assert.ok(s.length > 900 && s.length < 1100, `${s.length} of 3000`);
  });

  it('--shard I/N', () => {
    assert.deepEqual(parseShard('2/8'), { index: 2, count: 8 });
    for (const bad of ['8/8', '1', '-1/4', 'a/b', '0/0']) {
      assert.throws(() => parseShard(bad), {
        message: `Expected I/N with 0 ≤ I < N (shard I of N, counted from 0), e.g. 0/4, got '${bad}'.`,
      });
    }
  });

  it('--shard-count N takes the index from Kubernetes or Slurm', () => {
    assert.deepEqual(shardFromEnv(4, { JOB_COMPLETION_INDEX: '3' }), { index: 3, count: 4 });
    assert.deepEqual(shardFromEnv(4, { SLURM_ARRAY_TASK_ID: '2' }), { index: 2, count: 4 });
    assert.deepEqual(shardFromEnv(4, { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1' }), {
      index: 3,
      count: 4,
    });
    // Kubernetes first when both are set
    assert.deepEqual(shardFromEnv(4, { JOB_COMPLETION_INDEX: '0', SLURM_ARRAY_TASK_ID: '2' }), {
      index: 0,
      count: 4,
    });
  });

  it('--shard-count without an index, or with one out of range, is a plain error', () => {
    assert.throws(() => shardFromEnv(4, {}), {
      name: 'UserError',
      message:
        '--shard-count 4 takes the shard index from JOB_COMPLETION_INDEX (Kubernetes Indexed ' +
        'Job) or SLURM_ARRAY_TASK_ID (Slurm job array), and neither is set.',
    });
    assert.throws(() => shardFromEnv(4, { SLURM_ARRAY_TASK_ID: '4' }), {
      name: 'UserError',
      message: 'Shard index 4 (from SLURM_ARRAY_TASK_ID=4) is outside 0..3 for --shard-count 4.',
    });
    assert.throws(() => shardFromEnv(4, { JOB_COMPLETION_INDEX: 'x' }), {
      message: "JOB_COMPLETION_INDEX is 'x', expected a whole number.",
    });
  });

  it('manifest names carry the shard', () => {
    assert.equal(manifestName(), 'manifest.csv');
    assert.equal(manifestName({ index: 2, count: 8 }), 'manifest-2-of-8.csv');
    assert.deepEqual(shardOfManifestName('manifest-2-of-8.csv'), { index: 2, count: 8 });
    assert.equal(shardOfManifestName('manifest.csv'), undefined);
  });
});
