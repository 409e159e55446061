/**
 * Sharding a folder over N processes (a Kubernetes Indexed Job, a Slurm job array, or N
 * shells). Shard I of N takes the files whose path relative to the input root hashes to I:
 *
 *   shard(rel) = (first 48 bits of sha256(rel as UTF-8, '/'-separated)) mod N
 *
 * So every file belongs to exactly one shard, whatever the machine, the input folder's
 * absolute path or the order of listing, and adding files never moves others between shards.
 *
 * The shard comes from `--shard I/N` (I from 0), or from `--shard-count N` with I read from
 * the environment: JOB_COMPLETION_INDEX (Kubernetes Indexed Job, 0-based), else
 * SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN (a Slurm array --array=1-8 works as
 * 0..7), else SLURM_ARRAY_TASK_ID as is.
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from 'commander';
import { UserError } from '../util/errors';

export interface Shard {
  index: number;
  count: number;
}

/** Commander parser for `--shard I/N`. */
export function parseShard(value: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) {
    throw new InvalidArgumentError(
      `Expected I/N with 0 ≤ I < N (shard I of N, counted from 0), e.g. 0/4, got '${value}'.`,
    );
  }
  return { index, count };
}

/** The shard of `--shard-count N`, its index from the environment (see the file comment). */
export function shardFromEnv(count: number, env: NodeJS.ProcessEnv = process.env): Shard {
  let index: number;
  let from: string;
  const k8s = env.JOB_COMPLETION_INDEX;
  const slurm = env.SLURM_ARRAY_TASK_ID;
  if (k8s !== undefined && k8s !== '') {
    index = wholeNumber(k8s, 'JOB_COMPLETION_INDEX');
    from = `JOB_COMPLETION_INDEX=${k8s}`;
  } else if (slurm !== undefined && slurm !== '') {
    const min = env.SLURM_ARRAY_TASK_MIN
      ? wholeNumber(env.SLURM_ARRAY_TASK_MIN, 'SLURM_ARRAY_TASK_MIN')
      : 0;
    index = wholeNumber(slurm, 'SLURM_ARRAY_TASK_ID') - min;
    from = `SLURM_ARRAY_TASK_ID=${slurm}` + (min ? ` - SLURM_ARRAY_TASK_MIN=${min}` : '');
  } else {
    throw new UserError(
      `--shard-count ${count} takes the shard index from JOB_COMPLETION_INDEX (Kubernetes ` +
        'Indexed Job) or SLURM_ARRAY_TASK_ID (Slurm job array), and neither is set.',
      'Give the shard yourself with --shard I/N (I from 0).',
    );
  }
  if (index < 0 || index >= count) {
    throw new UserError(
      `Shard index ${index} (from ${from}) is outside 0..${count - 1} for --shard-count ${count}.`,
      'Make the job run exactly --shard-count tasks, indexed from 0 (or from SLURM_ARRAY_TASK_MIN).',
    );
  }
  return { index, count };
}

function wholeNumber(value: string, name: string): number {
  if (!/^\d+$/.test(value.trim())) {
    throw new UserError(`${name} is '${value}', expected a whole number.`);
  }
  return Number(value);
}

/** Which of `count` shards the file with this relative path belongs to. */
export function shardOf(rel: string, count: number): number {
  const digest = createHash('sha256').update(rel, 'utf8').digest();
  return digest.readUIntBE(0, 6) % count;
}

/** `manifest.csv`, or `manifest-<I>-of-<N>.csv` for a shard. */
export function manifestName(shard?: Shard): string {
  return shard ? `manifest-${shard.index}-of-${shard.count}.csv` : 'manifest.csv';
}

/** The shard a default manifest name belongs to, or undefined for other names. */
export function shardOfManifestName(name: string): Shard | undefined {
  const m = /^manifest-(\d+)-of-(\d+)\.csv$/.exec(name);
  return m ? { index: Number(m[1]), count: Number(m[2]) } : undefined;
}
