/**
 * `cyclegan merge-manifests`: joins the manifests of an augment run's shards into one, and
 * says what is missing. One row is kept per source and frame: its latest `ok` row, else its
 * latest failed row ("latest" by the `finished` column, then by order of reading).
 *
 * Reports, and makes the exit code 1 for: failed rows; frames missing from a multi-frame
 * source; shard manifests missing (`manifest-<I>-of-<N>.csv` names an I of N); with
 * `--input`, sources listed in no manifest.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { listInputs } from '../batch/inputs';
import { formatRow, MANIFEST_COLUMNS, ManifestRow, readManifest, rowKey } from '../batch/manifest';
import { Shard, shardOfManifestName } from '../batch/shard';
import { writeFileAtomic } from '../util/atomic';
import { UserError } from '../util/errors';

export interface MergeOptions {
  output: string;
  input?: string;
}

export interface MergeReport {
  manifests: string[];
  rows: number;
  ok: number;
  failed: ManifestRow[];
  /** `source (frames 2, 5 of 9 missing)` */
  incomplete: string[];
  /** Missing shard manifests by shard count: N → missing indices. */
  missingShards: Map<number, number[]>;
  /** Sources under --input in no manifest. */
  unlisted: string[];
  tornLines: number;
}

/** At most this many items of each list are printed. */
const SHOWN = 20;

export function register(program: Command) {
  program
    .command('merge-manifests')
    .description(
      "join augment shards' manifests (one row per source: the latest ok) and report gaps",
    )
    .argument('<manifests...>', 'manifest files, or folders holding manifest*.csv files')
    .requiredOption('--output <file.csv>', 'the merged manifest')
    .option('--input <dir>', 'the input folder of the run: report sources that no manifest lists')
    .action(async (manifests: string[], o: MergeOptions) => {
      const report = await mergeManifests(manifests, o);
      printReport(report, o, (line) => process.stdout.write(line + '\n'));
      const problems = [
        report.failed.length ? `${report.failed.length} failed` : '',
        report.incomplete.length ? `${report.incomplete.length} with frames missing` : '',
        report.unlisted.length ? `${report.unlisted.length} in no manifest` : '',
        report.missingShards.size ? 'shard manifests missing' : '',
      ].filter(Boolean);
      if (problems.length > 0) {
        throw new UserError(`The merged manifest is incomplete: ${problems.join(', ')}.`);
      }
    });
}

/** The manifest files named by `args`: files as given, folders' manifest*.csv files. */
export function manifestFiles(args: string[]): string[] {
  const files: string[] = [];
  for (const arg of args) {
    const stat = fs.statSync(arg, { throwIfNoEntry: false });
    if (!stat) throw new UserError(`${arg} does not exist.`);
    if (!stat.isDirectory()) {
      files.push(arg);
      continue;
    }
    const found = fs
      .readdirSync(arg)
      .filter((n) => n === 'manifest.csv' || shardOfManifestName(n))
      .sort()
      .map((n) => path.join(arg, n));
    if (found.length === 0) {
      throw new UserError(
        `No manifests in ${arg} (expected manifest.csv or manifest-<I>-of-<N>.csv).`,
      );
    }
    files.push(...found);
  }
  return [...new Set(files)];
}

/** Merges the manifests into `o.output` and works out what is missing. */
export async function mergeManifests(args: string[], o: MergeOptions): Promise<MergeReport> {
  const files = manifestFiles(args);
  const chosen = new Map<string, ManifestRow>();
  let tornLines = 0;
  for (const file of files) {
    const { rows, torn } = readManifest(file);
    if (torn > 0) tornLines++;
    for (const row of rows) {
      const key = rowKey(row);
      const old = chosen.get(key);
      if (!old || better(row, old)) chosen.set(key, row);
    }
  }
  const merged = [...chosen.values()].sort(byPlace);
  const header = MANIFEST_COLUMNS.join(',') + '\n';
  if (fs.statSync(o.output, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UserError(`--output ${o.output} is a folder; give the merged manifest's file name.`);
  }
  await writeFileAtomic(o.output, header + merged.map(formatRow).join(''));

  return {
    manifests: files,
    rows: merged.length,
    ok: merged.filter((r) => r.status === 'ok').length,
    failed: merged.filter((r) => r.status !== 'ok'),
    incomplete: incompleteFrames(merged),
    missingShards: missingShards(files),
    unlisted: o.input ? unlistedSources(o.input, merged) : [],
    tornLines,
  };
}

/** Is `row` preferred to `old` for the same source and frame? ok first, then latest. */
function better(row: ManifestRow, old: ManifestRow): boolean {
  const okRow = row.status === 'ok';
  const okOld = old.status === 'ok';
  if (okRow !== okOld) return okRow;
  return row.finished >= old.finished; // ISO 8601 UTC compares as text; ties: read later
}

function frameNumber(frame: string): number {
  return frame === '' ? 0 : Number(frame.split('/')[0]);
}

function byPlace(a: ManifestRow, b: ManifestRow): number {
  if (a.source !== b.source) return a.source < b.source ? -1 : 1;
  return frameNumber(a.frame) - frameNumber(b.frame);
}

/** Multi-frame sources whose k/N rows do not cover 1..N. */
function incompleteFrames(rows: ManifestRow[]): string[] {
  const frames = new Map<string, { count: number; seen: Set<number> }>();
  for (const r of rows) {
    if (r.frame === '' || r.status !== 'ok') continue;
    const [k, n] = r.frame.split('/').map(Number);
    const entry = frames.get(r.source) ?? { count: n, seen: new Set<number>() };
    entry.count = Math.max(entry.count, n);
    entry.seen.add(k);
    frames.set(r.source, entry);
  }
  const out: string[] = [];
  for (const [source, { count, seen }] of frames) {
    const missing: number[] = [];
    for (let k = 1; k <= count; k++) if (!seen.has(k)) missing.push(k);
    if (missing.length > 0) {
      out.push(`${source} (frames ${missing.join(', ')} of ${count} missing)`);
    }
  }
  return out;
}

/** Shard indices absent for each shard count seen in the file names. */
function missingShards(files: string[]): Map<number, number[]> {
  const seen = new Map<number, Set<number>>();
  for (const f of files) {
    const s: Shard | undefined = shardOfManifestName(path.basename(f));
    if (!s) continue;
    if (!seen.has(s.count)) seen.set(s.count, new Set());
    seen.get(s.count)!.add(s.index);
  }
  const missing = new Map<number, number[]>();
  for (const [count, indices] of seen) {
    const gone = [...Array(count).keys()].filter((i) => !indices.has(i));
    if (gone.length > 0) missing.set(count, gone);
  }
  return missing;
}

/** Sources under `input` with no row in any manifest. */
function unlistedSources(input: string, rows: ManifestRow[]): string[] {
  const listed = new Set(rows.map((r) => r.source));
  return listInputs(input)
    .files.map((f) => f.rel)
    .filter((rel) => !listed.has(rel));
}

/** The report, a few lines; long lists are cut to their first SHOWN items. */
export function printReport(r: MergeReport, o: MergeOptions, out: (line: string) => void) {
  const list = (title: string, items: string[]) => {
    if (items.length === 0) return;
    out(`${title} (${items.length}):`);
    for (const item of items.slice(0, SHOWN)) out(`  ${item}`);
    if (items.length > SHOWN) out(`  ... and ${items.length - SHOWN} more`);
  };
  out(
    `Merged ${r.manifests.length} manifest(s) into ${o.output}: ${r.rows} row(s), ` +
      `${r.ok} ok, ${r.failed.length} failed.`,
  );
  if (r.tornLines > 0) out(`${r.tornLines} manifest(s) end with a torn line (ignored).`);
  for (const [count, gone] of r.missingShards) {
    out(
      `Shard manifests missing: ${gone.map((i) => `manifest-${i}-of-${count}.csv`).join(', ')} ` +
        `(${count - gone.length} of ${count} present).`,
    );
  }
  list(
    'Failed',
    r.failed.map((row) => `${row.source}${row.frame ? ` frame ${row.frame}` : ''}: ${row.status}`),
  );
  list('Frames missing', r.incomplete);
  if (o.input) list(`In ${o.input} but in no manifest`, r.unlisted);
}
