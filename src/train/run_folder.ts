/**
 * The run folder's human-facing files, `runs/<name>/`:
 *
 *   options.json   every resolved option, which differ from the defaults, the defaults
 *   options.txt    the same, readable, non-defaults marked (the reference's habit)
 *   log.jsonl      one JSON object per logged iteration
 *   index.html     loss curves and sample grids, from the template `assets/index.html`
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from '../util/atomic';

/** One line of `log.jsonl`. Non-finite losses are written as `null`. */
export interface LogEntry {
  iteration: number;
  epoch: number;
  losses: Record<string, number>;
  lr: number;
  secondsPerIteration: number;
}

/** What `options.json` holds. */
export interface OptionsFile {
  options: Record<string, unknown>;
  /** Names whose resolved value differs from the default (or that have no default). */
  nonDefault: string[];
  defaults: Record<string, unknown>;
}

/** Writes `options.json` and `options.txt`; keys in alphabetical order. */
export async function writeOptions(
  runDir: string,
  resolved: Record<string, unknown>,
  defaults: Record<string, unknown>,
): Promise<void> {
  const sortedCopy = (o: Record<string, unknown>) =>
    Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, o[k] === undefined ? null : o[k]]),
    );
  const options = sortedCopy(resolved);
  const nonDefault = Object.keys(options).filter(
    (k) => !(k in defaults) || JSON.stringify(options[k]) !== JSON.stringify(defaults[k] ?? null),
  );
  const file: OptionsFile = { options, nonDefault, defaults: sortedCopy(defaults) };
  await writeFileAtomic(path.join(runDir, 'options.json'), JSON.stringify(file, null, 2) + '\n');
  await writeFileAtomic(path.join(runDir, 'options.txt'), formatOptions(file));
}

/**
 * `----- Options -----`, one `name: value` per line, names right-aligned, and
 * `[default: x]` after each value that differs from its default.
 */
export function formatOptions(file: OptionsFile): string {
  const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v ?? null));
  const keys = Object.keys(file.options);
  const nameWidth = Math.max(0, ...keys.map((k) => k.length));
  const valueWidth = Math.min(30, Math.max(0, ...keys.map((k) => show(file.options[k]).length)));
  const lines = keys.map((k) => {
    const line = `${k.padStart(nameWidth)}: ${show(file.options[k])}`;
    if (!file.nonDefault.includes(k)) return line;
    const def = k in file.defaults ? show(file.defaults[k]) : '(none)';
    return `${line.padEnd(nameWidth + 2 + valueWidth)}   [default: ${def}]`;
  });
  return ['----- Options -----', ...lines, '----- End -----', ''].join('\n');
}

/**
 * Appends one JSON line per logged iteration to `<runDir>/log.jsonl`. Lines
 * go straight to the file (no buffering), so a crash loses at most the line
 * being written. On resume, pass `dropAfterIteration` (the checkpoint's
 * iteration) to drop lines logged after that checkpoint, which the resumed
 * run will log again.
 */
export class RunLog {
  private fd: number | null;
  readonly file: string;

  constructor(runDir: string, options: { dropAfterIteration?: number } = {}) {
    fs.mkdirSync(runDir, { recursive: true });
    this.file = path.join(runDir, 'log.jsonl');
    if (options.dropAfterIteration !== undefined && fs.existsSync(this.file)) {
      const keep = readLogFile(this.file).filter((e) => e.iteration <= options.dropAfterIteration!);
      writeFileAtomicSync(this.file, keep.map((e) => JSON.stringify(e) + '\n').join(''));
    }
    this.fd = fs.openSync(this.file, 'a+');
    // A line torn by a crash must not swallow the next one.
    const size = fs.fstatSync(this.fd).size;
    if (size > 0) {
      const lastByte = Buffer.alloc(1);
      fs.readSync(this.fd, lastByte, 0, 1, size - 1);
      if (lastByte[0] !== 0x0a) fs.writeSync(this.fd, '\n');
    }
  }

  append(entry: LogEntry): void {
    if (this.fd === null) throw new Error(`RunLog for ${this.file} is closed`);
    const line: LogEntry & { time: string } = {
      iteration: entry.iteration,
      epoch: entry.epoch,
      losses: entry.losses,
      lr: entry.lr,
      secondsPerIteration: entry.secondsPerIteration,
      time: new Date().toISOString(),
    };
    fs.writeSync(this.fd, JSON.stringify(line) + '\n');
  }

  close(): void {
    if (this.fd === null) return;
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** The entries of a `log.jsonl`; unparseable lines (a torn last line) are skipped. */
export function readLogFile(file: string): LogEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const entries: LogEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const e: unknown = JSON.parse(line);
      if (typeof e === 'object' && e !== null && typeof (e as LogEntry).iteration === 'number') {
        entries.push(e as LogEntry);
      }
    } catch {
      // torn line
    }
  }
  return entries;
}

/** Image files in `<runDir>/samples/`, as `samples/<name>`, newest (highest numbers) first. */
export function listSamples(runDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(path.join(runDir, 'samples'));
  } catch {
    return [];
  }
  const collator = new Intl.Collator('en', { numeric: true });
  return names
    .filter((n) => !n.startsWith('.') && /\.(png|jpe?g|webp)$/i.test(n))
    .sort((a, b) => collator.compare(b, a))
    .map((n) => `samples/${n}`);
}

/**
 * Writes `<runDir>/index.html` from `assets/index.html`: the log, the sample
 * list and the options are embedded as JSON, and the page draws itself.
 */
export async function writeIndexHtml(runDir: string): Promise<void> {
  const template = fs.readFileSync(assetPath('index.html'), 'utf8');
  let options: Partial<OptionsFile> = {};
  try {
    options = JSON.parse(fs.readFileSync(path.join(runDir, 'options.json'), 'utf8'));
  } catch {
    // no options.json (yet): the page says so
  }
  const name = path.basename(path.resolve(runDir));
  const data = {
    name,
    generated: new Date().toISOString(),
    log: readLogFile(path.join(runDir, 'log.jsonl')),
    samples: listSamples(runDir),
    options: options.options ?? null,
    nonDefault: options.nonDefault ?? [],
    defaults: options.defaults ?? {},
  };
  const html = fillTemplate(template, {
    TITLE: escapeHtml(name),
    RUN_DATA: jsonForScript(data),
  });
  await writeFileAtomic(path.join(runDir, 'index.html'), html);
}

/** The package's root folder: the nearest folder above this file with a package.json. */
export function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
}

/** Path of a file in the package's `assets/` folder. */
export function assetPath(name: string): string {
  return path.join(packageRoot(), 'assets', name);
}

/** Replaces each `{{KEY}}`; values are inserted literally (no `$` patterns). */
function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (whole, key: string) =>
    key in values ? values[key] : whole,
  );
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** JSON that cannot end its `<script>` element early: every `<` becomes `\u003c`. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
