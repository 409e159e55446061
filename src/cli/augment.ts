/**
 * `cyclegan augment`: translates a folder tree with a run's generator, for growing a training
 * set, with a manifest, exact resume, optional heat maps and sharding over many processes.
 *
 * A file is done when the manifest holds an `ok` row for it (for every frame with
 * `--frames all`) made with the same weights and direction, naming the output this run would
 * write, and that output (and its heat map with `--diff`) exists. A second run skips done
 * files and does the rest; failed files are tried again.
 *
 * The work overlaps: the next files decode (sharp works on its own threads) while the model
 * runs, and outputs encode and write while the model runs on the next file. The model itself
 * runs one image at a time, in order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { describeGenerator, GeneratorInfo, trainingWindow } from '../batch/generator_info';
import { diffHeatmap } from '../batch/heatmap';
import {
  checkOutputOutside,
  frameStem,
  InputFile,
  listInputs,
  OpenedInput,
  openInput,
  outputStems,
} from '../batch/inputs';
import { ManifestRow, ManifestWriter } from '../batch/manifest';
import {
  checkOutputSettings,
  OutputFormat,
  outputExtension,
  OutputSettings,
  removeStaleTemporaries,
  writeOutput,
} from '../batch/outputs';
import { manifestName, parseShard, Shard, shardFromEnv, shardOf } from '../batch/shard';
import { DicomReadOptions } from '../data/dicom';
import { encodePng, Image, readPixels } from '../data/image';
import { selectBackend } from '../engine/backend';
import { Direction, LoadedGenerator, loadRunGenerator, translateImage } from '../models/translate';
import { UserError } from '../util/errors';
import { CountBar } from './count_bar';
import {
  addDicomOptions,
  FILE_WINDOW,
  describeWindow,
  DicomCliOptions,
  dicomReadOptions,
} from './dicom_options';
import { addEngineOptions, EngineOptions } from './options';
import { integer } from './parse';
import { addOutputOptions } from './translate';
import { makeFolder } from '../util/folders';
import { count } from '../util/plural';

export interface AugmentOptions extends EngineOptions, Partial<DicomCliOptions> {
  checkpoint: string;
  epoch: string;
  direction: Direction;
  input: string;
  output: string;
  format: OutputFormat;
  bits?: 8 | 16;
  keepIdentifiers?: boolean;
  /** Default: `<output>/manifest.csv`, or `<output>/manifest-<I>-of-<N>.csv` for a shard. */
  manifest?: string;
  diff?: boolean;
  shard?: Shard;
  /** Shard count with the index from the environment (see src/batch/shard.ts). */
  shardCount?: number;
}

export interface AugmentSummary {
  /** Files under --input. */
  listed: number;
  /** Files of this shard. */
  mine: number;
  /** Files translated now. */
  done: number;
  /** Files already done by an earlier run. */
  skipped: number;
  failed: number;
  /** Output images written now (frames count one each). */
  images: number;
  seconds: number;
  manifest: string;
  stopped: boolean;
}

/** Decodes in flight while the model runs. */
const DECODE_AHEAD = 3;
/** Output writes in flight before the model waits for them. */
const WRITES_IN_FLIGHT = 4;

export function register(program: Command) {
  const cmd = program
    .command('augment')
    .description(
      'translate a folder tree with a run, for augmenting a data set: manifest, resume, ' +
        'heat maps, shards',
    )
    .requiredOption('--checkpoint <run>', 'run folder to take the generator from, e.g. runs/<name>')
    .option('--epoch <e>', 'checkpoint of the run: latest or an epoch number', 'latest')
    .addOption(
      new Option('--direction <d>', 'AtoB uses G_A, BtoA uses G_B')
        .choices(['AtoB', 'BtoA'])
        .makeOptionMandatory(),
    )
    .requiredOption('--input <dir>', 'folder of images (walked recursively), or one image')
    .requiredOption('--output <dir>', 'folder for the outputs; sub-folders mirror the input');
  addOutputOptions(cmd)
    .option(
      '--manifest <file.csv>',
      'manifest to append to and resume from (default: <output>/manifest.csv, or ' +
        '<output>/manifest-<I>-of-<N>.csv for a shard)',
    )
    .option(
      '--diff',
      'also write <name>.diff.png, a heat map of how much the model changed each pixel, over the input',
    )
    .addOption(
      new Option('--shard <I/N>', 'do shard I of N (I from 0): the files whose path hashes to I')
        .argParser(parseShard)
        .conflicts('shardCount'),
    )
    .addOption(
      new Option(
        '--shard-count <N>',
        'shard count, with the index from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or ' +
          'SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN (Slurm job array)',
      ).argParser(integer(1)),
    );
  addDicomOptions(
    cmd,
    'first, or all (each frame translated to its own file, <name>-frame<k>)',
    `the window the run was trained with, else ${FILE_WINDOW}`,
  );
  addEngineOptions(cmd).action(async (o: AugmentOptions) => {
    const stop = new AbortController();
    const onSignal = () => {
      if (stop.signal.aborted) process.exit(130); // a second signal does not wait
      stop.abort();
      console.error('\nStopping after the images in progress (Ctrl-C again to quit at once)…');
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let summary: AugmentSummary;
    try {
      summary = await runAugment(o, stop.signal);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    if (summary.stopped) {
      console.error('Stopped. Run the same command again to do the rest.');
      process.exitCode = 130;
    } else if (summary.failed > 0) {
      throw new UserError(
        `${summary.failed} of ${count(summary.mine, 'file')} failed; ` +
          `the manifest ${summary.manifest} ` +
          'gives each reason.',
        'Fix or remove those files and run the same command again: it does only what is left.',
      );
    }
  });
}

/** What one input became: decoded frames, or the reason it failed. */
type Decoded =
  | { ok: true; file: InputFile; opened: OpenedInput; images: Image[]; seconds: number }
  | { ok: false; file: InputFile; reason: string; seconds: number };

/** Runs augment; `log` receives the start line, failures and the summary. */
export async function runAugment(
  o: AugmentOptions,
  signal?: AbortSignal,
  log: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): Promise<AugmentSummary> {
  // Check the options and the folders
  checkOutputSettings(o.format, o.bits);
  if (o.shard && o.shardCount !== undefined) {
    throw new UserError('Give --shard I/N or --shard-count N, not both.');
  }
  const shard = o.shard ?? (o.shardCount !== undefined ? shardFromEnv(o.shardCount) : undefined);
  const listing = listInputs(o.input);
  checkOutputOutside(o.input, o.output);
  const stems = outputStems(listing.files);
  const mine = shard
    ? listing.files.filter((f) => shardOf(f.rel, shard.count) === shard.index)
    : listing.files;

  // The generator and what identifies it
  const backend = await selectBackend(o);
  for (const note of backend.notes) log(note);
  const loaded = await loadRunGenerator(o.checkpoint, o.epoch, o.direction, {});
  const info = describeGenerator(loaded, o.direction, o.checkpoint);
  // DICOM files are read as in training unless --window says otherwise
  const window = o.window ?? trainingWindow(o.checkpoint);
  const job: Job = {
    o,
    loaded,
    info,
    stems,
    dicom: dicomReadOptions({ ...o, window }),
    ext: outputExtension(o.format),
    settings: {
      format: o.format,
      bits: o.bits,
      keepIdentifiers: o.keepIdentifiers === true,
      derivation: info.derivation,
    },
  };

  // The manifest: what is done already
  makeFolder(o.output, '--output');
  const manifestFile = o.manifest ?? path.join(o.output, manifestName(shard));
  fs.mkdirSync(path.dirname(manifestFile), { recursive: true });
  const { writer, existing } = ManifestWriter.open(manifestFile);
  try {
    if (existing.torn > 0) log(`${manifestFile}: cut off a torn last line left by a killed run`);
    if (existing.malformed > 0) {
      log(`warning: ${manifestFile}: skipped ${existing.malformed} malformed line(s)`);
    }
    // Outputs of another generator or direction would be overwritten under the same names.
    const foreign = existing.rows.find(
      (r) => r.status === 'ok' && (r.checkpoint !== job.info.id || r.direction !== o.direction),
    );
    if (foreign) {
      throw new UserError(
        `${manifestFile} lists outputs of checkpoint ${foreign.checkpoint} (${foreign.direction}); ` +
          `this run would overwrite them with checkpoint ${job.info.id} (${o.direction}).`,
        'Use another --output (or --manifest) for each model and direction.',
      );
    }
    const completed = completedSources(existing.rows, job);
    const todo = mine.filter((f) => !completed.has(f.rel));
    const skipped = mine.length - todo.length;
    removeLeftovers(todo, job);
    log(
      `cyclegan augment: backend ${backend.name} (${backend.threads} threads), ` +
        `${path.basename(loaded.source, '.safetensors')} of ${o.checkpoint} ` +
        `(${o.epoch === 'latest' ? 'latest' : `epoch ${o.epoch}`}` +
        (info.epochs
          ? `, ${info.epochs} ${info.epochs === '1' ? 'epoch' : 'epochs'} trained`
          : '') +
        `, checkpoint ${info.id}), ` +
        `window ${describeWindow(window)}${o.window || !window ? '' : ' (as trained)'}, ` +
        count(listing.files.length, 'file') +
        (shard ? `, shard ${shard.index}/${shard.count}: ${count(mine.length, 'file')}` : '') +
        `, ${skipped} already done, manifest ${manifestFile}`,
    );

    const started = performance.now();
    const result = await translateAll(todo, job, writer, signal, log);
    const seconds = (performance.now() - started) / 1000;
    const summary: AugmentSummary = {
      listed: listing.files.length,
      mine: mine.length,
      done: result.done,
      skipped,
      failed: result.failed,
      images: result.images,
      seconds,
      manifest: manifestFile,
      stopped: result.stopped,
    };
    const rate = seconds > 0 ? result.images / seconds : 0;
    log(
      `augment: ${summary.done} done, ${skipped} skipped (already done), ${summary.failed} ` +
        `failed, ${rate.toFixed(2)} images/s (${seconds.toFixed(1)} s); manifest ${manifestFile}`,
    );
    return summary;
  } finally {
    writer.close();
    for (const v of loaded.generator.params.values()) v.dispose();
  }
}

/** Everything the per-file steps need. */
interface Job {
  o: AugmentOptions;
  loaded: LoadedGenerator;
  info: GeneratorInfo;
  stems: Map<string, string>;
  dicom: DicomReadOptions;
  ext: string;
  settings: OutputSettings;
}

/** Output (and heat map) paths of frame `frame` (1-based) of `frames`. */
function outputsOf(file: InputFile, frame: number, frames: number, job: Job) {
  const stem = frameStem(job.stems.get(file.rel)!, frame, frames);
  const rel = stem + job.ext;
  return {
    rel,
    file: path.join(job.o.output, rel),
    diff: path.join(job.o.output, stem + '.diff.png'),
  };
}

/**
 * Sources whose rows say they are done, for this generator, direction, format and frames
 * mode, with their outputs on disk (see the file comment).
 */
function completedSources(rows: ManifestRow[], job: Job): Set<string> {
  const all = job.dicom.frames === 'all';
  const ok = new Map<string, ManifestRow[]>();
  for (const row of rows) {
    if (row.status !== 'ok' || row.checkpoint !== job.info.id) continue;
    if (row.direction !== job.o.direction || (row.frame === '') === all) continue;
    if (!ok.has(row.source)) ok.set(row.source, []);
    ok.get(row.source)!.push(row);
  }
  const done = new Set<string>();
  for (const [source, list] of ok) {
    const file = { path: '', rel: source };
    if (!job.stems.has(source)) continue; // no longer in the input
    const frames = all ? Number(list[list.length - 1].frame.split('/')[1]) : 1;
    if (!Number.isInteger(frames) || frames < 1) continue;
    let complete = true;
    for (let k = 1; k <= frames && complete; k++) {
      const want = outputsOf(file, k, frames, job);
      const frame = all ? `${k}/${frames}` : '';
      complete = list.some(
        (r) =>
          r.frame === frame &&
          r.output === want.rel &&
          fs.existsSync(want.file) &&
          (!job.o.diff || fs.existsSync(want.diff)),
      );
    }
    if (complete) done.add(source);
  }
  return done;
}

/** Deletes temporary files a killed run left for the outputs about to be written. */
function removeLeftovers(todo: InputFile[], job: Job): void {
  const stems = new Set(todo.map((f) => path.join(job.o.output, job.stems.get(f.rel)!)));
  const dirs = [...stems].map((s) => path.dirname(s));
  removeStaleTemporaries(dirs, (target) => {
    const base = target.endsWith('.diff.png')
      ? target.slice(0, -'.diff.png'.length)
      : target.endsWith(job.ext)
        ? target.slice(0, -job.ext.length)
        : undefined;
    return base !== undefined && (stems.has(base) || stems.has(base.replace(/-frame\d+$/, '')));
  });
}

/** The pipelined loop: decode ahead, run the model in order, write behind. */
async function translateAll(
  todo: InputFile[],
  job: Job,
  writer: ManifestWriter,
  signal: AbortSignal | undefined,
  log: (line: string) => void,
): Promise<{ done: number; failed: number; images: number; stopped: boolean }> {
  const bar = new CountBar('augment');
  bar.start(todo.length);
  const say = (line: string) => bar.log(line, log);
  const counts = { done: 0, failed: 0, images: 0, stopped: false };
  const decodes: Promise<Decoded>[] = [];
  const writes = new Set<Promise<void>>();
  let fatal: unknown;
  let next = 0;
  const fill = () => {
    while (next < todo.length && decodes.length < DECODE_AHEAD) {
      const d = decode(todo[next++], job);
      d.catch(() => undefined); // awaited in turn below
      decodes.push(d);
    }
  };

  try {
    for (let i = 0; i < todo.length; i++) {
      if (signal?.aborted) {
        counts.stopped = true;
        break;
      }
      fill();
      const d = await decodes.shift()!;
      fill();
      if (!d.ok) {
        writer.append(row(d.file, '', '', '', d.reason, d.seconds, job));
        say(`failed: ${d.file.path}: ${d.reason}`);
        counts.failed++;
        bar.tick(false);
        continue;
      }

      // The model, one frame at a time; each output is written while the next one runs
      const frames = d.images.length;
      const perFrameDecode = d.seconds / frames;
      const frameWrites: Promise<void>[] = [];
      for (let k = 0; k < frames; k++) {
        const t0 = performance.now();
        const x = d.images[k];
        const y = translateImage(job.loaded.generator, x);
        const modelSeconds = (performance.now() - t0) / 1000;
        const w = writeFrame(d, k, x, y, job).then((writeSeconds) => {
          const out = outputsOf(d.file, k + 1, frames, job);
          const frame = job.dicom.frames === 'all' ? `${k + 1}/${frames}` : '';
          const seconds = perFrameDecode + modelSeconds + writeSeconds;
          writer.append(row(d.file, frame, out.rel, `${x.width}x${x.height}`, 'ok', seconds, job));
          counts.images++;
        });
        frameWrites.push(w);
        track(w);
        await new Promise(setImmediate); // let finished decodes and writes call back
        while (writes.size >= WRITES_IN_FLIGHT) await Promise.race(writes).catch(() => undefined);
        if (fatal) throw fatal;
      }
      track(
        Promise.all(frameWrites).then(() => {
          counts.done++;
          bar.tick(true);
        }),
      );
      if (fatal) throw fatal;
    }
    await Promise.allSettled([...writes]);
    if (fatal) throw fatal;
  } finally {
    // Let running writes finish (their rows are worth keeping) before the manifest closes
    await Promise.allSettled([...writes]);
    bar.stop();
  }
  return counts;

  function track(p: Promise<void>) {
    writes.add(p);
    p.then(
      () => writes.delete(p),
      (err) => {
        writes.delete(p);
        fatal ??= err;
      },
    );
  }
}

/** Reads a file's frames, or says why it cannot be read (any other error is a bug). */
async function decode(file: InputFile, job: Job): Promise<Decoded> {
  const t0 = performance.now();
  const nc = job.loaded.network.inputNc;
  try {
    const opened = await openInput(file.path, nc, job.dicom);
    const images: Image[] = [];
    for (const s of opened.sources) images.push(await readPixels(s, s.pipeline(), nc));
    return { ok: true, file, opened, images, seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    const prefix = `${file.path}: `;
    const reason = (err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message)
      .replace(/\s+/g, ' ')
      .trim();
    return { ok: false, file, reason, seconds: (performance.now() - t0) / 1000 };
  }
}

/** Writes one translated frame (and its heat map); returns the seconds it took. */
async function writeFrame(
  d: Extract<Decoded, { ok: true }>,
  k: number,
  x: Image,
  y: Float32Array,
  job: Job,
): Promise<number> {
  const t0 = performance.now();
  const frames = d.images.length;
  const out = outputsOf(d.file, k + 1, frames, job);
  const channels = job.loaded.network.outputNc;
  const image = { data: y, height: x.height, width: x.width, channels };
  await writeOutput(out.file, image, job.settings, d.opened);
  if (job.o.diff) await encodePng(diffHeatmap(x, y, channels), out.diff, 8);
  return (performance.now() - t0) / 1000;
}

function row(
  file: InputFile,
  frame: string,
  output: string,
  size: string,
  status: string,
  seconds: number,
  job: Job,
): ManifestRow {
  return {
    source: file.rel,
    frame,
    output,
    direction: job.o.direction,
    checkpoint: job.info.id,
    epoch: job.info.epochs,
    size,
    status,
    seconds: seconds.toFixed(3),
    finished: new Date().toISOString(),
  };
}
