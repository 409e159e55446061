/**
 * Checkpoints: one folder per tag, `<runDir>/checkpoints/<tag>/`, with
 *
 *   <net>.safetensors     one per network (G_A, G_B, D_A, D_B), PyTorch layout
 *                         and the reference release's names, so `torch` loads them
 *   optimizer.safetensors Adam moments, named by the caller
 *   pools.safetensors     image pools (only when there are any)
 *   state.json            step, epoch, options, schedule, RNG state: any JSON
 *
 * The folder is written whole under a temporary name and swapped in
 * (`replaceDirAtomic`), so a crash never leaves a torn checkpoint, and a
 * checkpoint holding a NaN or an infinity is refused rather than written over
 * the last good one.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { NamedTensor, readSafetensors, writeSafetensors } from '../io/safetensors';
import { replaceDirAtomic, resolveDir } from '../util/atomic';
import { UserError } from '../util/errors';

export interface CheckpointData {
  /** Network name (file stem, e.g. `G_A`) -> parameter name -> tensor. */
  networks: Record<string, Record<string, NamedTensor>>;
  optimizer: Record<string, NamedTensor>;
  pools: Record<string, NamedTensor>;
  state: Record<string, unknown>;
}

const OPTIMIZER_FILE = 'optimizer.safetensors';
const POOLS_FILE = 'pools.safetensors';
const STATE_FILE = 'state.json';
const TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** `<runDir>/checkpoints/<tag>`. */
export function checkpointDir(runDir: string, tag: string): string {
  if (!TAG_PATTERN.test(tag)) {
    throw new Error(`checkpoint tag must match ${TAG_PATTERN}, got '${tag}'`);
  }
  return path.join(runDir, 'checkpoints', tag);
}

/**
 * Writes checkpoint `tag` of the run, replacing any previous one atomically.
 * Throws, writing nothing, if any tensor or state number is NaN or infinite.
 */
export async function saveCheckpoint(
  runDir: string,
  tag: string,
  data: CheckpointData,
): Promise<void> {
  const dir = checkpointDir(runDir, tag);

  // Refuse before touching the disk, so the last good checkpoint survives.
  const refuse = (what: string) =>
    new UserError(
      `refusing to save checkpoint '${tag}': ${what}`,
      'The last good checkpoint is kept. Try a lower --lr, or check the input images.',
    );
  for (const name of Object.keys(data.networks)) {
    const file = `${name}.safetensors`;
    if (!TAG_PATTERN.test(name) || file === OPTIMIZER_FILE || file === POOLS_FILE) {
      throw refuse(`'${name}' cannot be used as a network name`);
    }
  }
  const files: Array<[string, Record<string, NamedTensor>]> = [
    ...Object.entries(data.networks).map(([name, t]): [string, Record<string, NamedTensor>] => [
      `${name}.safetensors`,
      t,
    ]),
    [OPTIMIZER_FILE, data.optimizer],
    [POOLS_FILE, data.pools],
  ];
  for (const [file, tensors] of files) {
    const bad = firstNonFinite(tensors);
    if (bad) throw refuse(`${file} tensor '${bad.name}' has ${bad.value} at index ${bad.index}`);
  }
  const badState = nonFiniteInJson(data.state, 'state');
  if (badState) throw refuse(`${STATE_FILE} has ${badState.value} at ${badState.where}`);

  await replaceDirAtomic(dir, async (tmp) => {
    for (const [name, tensors] of Object.entries(data.networks)) {
      await writeSafetensors(path.join(tmp, `${name}.safetensors`), tensors, { format: 'pt' });
    }
    await writeSafetensors(path.join(tmp, OPTIMIZER_FILE), data.optimizer);
    if (Object.keys(data.pools).length > 0) {
      await writeSafetensors(path.join(tmp, POOLS_FILE), data.pools);
    }
    await fsp.writeFile(path.join(tmp, STATE_FILE), JSON.stringify(data.state, null, 2) + '\n');
  });
}

/**
 * Reads checkpoint `tag` of the run. A missing checkpoint or a damaged file is
 * a UserError naming it; a missing optimizer or pools file reads as empty.
 */
export async function loadCheckpoint(runDir: string, tag: string): Promise<CheckpointData> {
  const wanted = checkpointDir(runDir, tag);
  const dir = resolveDir(wanted);
  if (dir === null || !fs.existsSync(path.join(dir, STATE_FILE))) {
    const have = listCheckpoints(runDir);
    throw new UserError(
      `no checkpoint at ${wanted}`,
      have.length > 0
        ? `this run has ${have.map((t) => `--epoch ${t.replace(/^epoch_/, '')}`).join(', ')}`
        : 'this run has no checkpoints yet; train without --continue to start it',
    );
  }

  const stateFile = path.join(dir, STATE_FILE);
  let state: unknown;
  try {
    state = JSON.parse(await fsp.readFile(stateFile, 'utf8'));
  } catch (err) {
    throw new UserError(`${stateFile}: cannot read checkpoint state (${(err as Error).message})`);
  }
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new UserError(`${stateFile}: checkpoint state is not a JSON object`);
  }

  const data: CheckpointData = {
    networks: {},
    optimizer: {},
    pools: {},
    state: state as Record<string, unknown>,
  };
  for (const file of (await fsp.readdir(dir)).sort()) {
    if (!file.endsWith('.safetensors')) continue;
    const { tensors } = await readSafetensors(path.join(dir, file));
    if (file === OPTIMIZER_FILE) data.optimizer = tensors;
    else if (file === POOLS_FILE) data.pools = tensors;
    else data.networks[file.slice(0, -'.safetensors'.length)] = tensors;
  }
  return data;
}

/**
 * Tags of the run's complete checkpoints: `epoch_<K>` by K ascending, then
 * the other tags (such as `latest`) in alphabetical order.
 */
export function listCheckpoints(runDir: string): string[] {
  const root = path.join(runDir, 'checkpoints');
  let entries: string[];
  try {
    entries = fs.readdirSync(root);
  } catch {
    return [];
  }
  // A tag may only survive as `.<tag>.old-*` after a crash mid-swap.
  const candidates = new Set<string>();
  for (const e of entries) {
    const m = /^\.(.+)\.old-\d+-[0-9a-f]+$/.exec(e);
    const tag = m ? m[1] : e;
    if (TAG_PATTERN.test(tag)) candidates.add(tag);
  }
  const tags = [...candidates].filter((tag) => {
    const dir = resolveDir(path.join(root, tag));
    return dir !== null && fs.existsSync(path.join(dir, STATE_FILE));
  });
  const epoch = (t: string) => {
    const m = /^epoch_(\d+)$/.exec(t);
    return m ? Number(m[1]) : Infinity;
  };
  return tags.sort((a, b) => epoch(a) - epoch(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function firstNonFinite(
  tensors: Record<string, NamedTensor>,
): { name: string; index: number; value: number } | null {
  for (const [name, t] of Object.entries(tensors)) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      // `x - x` is 0 for finite x and NaN for NaN and +-Infinity.
      if (d[i] - d[i] !== 0) return { name, index: i, value: d[i] };
    }
  }
  return null;
}

function nonFiniteInJson(v: unknown, where: string): { where: string; value: number } | null {
  if (typeof v === 'number') return Number.isFinite(v) ? null : { where, value: v };
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const bad = nonFiniteInJson(v[i], `${where}[${i}]`);
      if (bad) return bad;
    }
  } else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      const bad = nonFiniteInJson(x, `${where}.${k}`);
      if (bad) return bad;
    }
  }
  return null;
}
