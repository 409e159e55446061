/**
 * The augment manifest: a CSV file (RFC 4180, with a header), one row per output image
 * or failed input, appended as each one completes:
 *
 *   source      input path relative to the input root, '/'-separated
 *   frame       empty (first frame or a plain image), or k/N: frame k of N with --frames all
 *   output      output path relative to the output root; empty when the input failed
 *   direction   AtoB or BtoA
 *   checkpoint  first 16 hex digits of the sha256 of the generator's weights file
 *   epoch       epochs the weights were trained for (17, or 16+250 for 250 iterations into
 *               epoch 17); for a lone generator file, empty
 *   size        output width x height, e.g. 512x512
 *   status      ok, or the reason the input failed
 *   seconds     time spent on this image: decoding, the model, encoding and writing
 *   finished    when the row was written, ISO 8601 UTC
 *
 * Crash safety: a row is appended (and fsynced) only after its output file is complete under
 * its final name. A process killed while appending leaves at most a torn last line, which
 * `openManifest` cuts off before appending again.
 */
import * as fs from 'node:fs';
import { UserError } from '../util/errors';

export const MANIFEST_COLUMNS = [
  'source',
  'frame',
  'output',
  'direction',
  'checkpoint',
  'epoch',
  'size',
  'status',
  'seconds',
  'finished',
] as const;

export type ManifestColumn = (typeof MANIFEST_COLUMNS)[number];
export type ManifestRow = Record<ManifestColumn, string>;

const HEADER = MANIFEST_COLUMNS.join(',') + '\n';

/** One CSV field, quoted when it holds a comma, a quote, a line break or edge spaces. */
function field(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function formatRow(row: ManifestRow): string {
  return MANIFEST_COLUMNS.map((c) => field(row[c] ?? '')).join(',') + '\n';
}

/**
 * Splits CSV text into records. `complete` is the length of the text up to the end of the
 * last record that ends with a line break; anything after it is a torn record.
 */
export function parseCsv(text: string): { records: string[][]; complete: number } {
  const records: string[][] = [];
  let record: string[] = [];
  let value = '';
  let quoted = false;
  let complete = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        value += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        value += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      record.push(value);
      value = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(value);
      records.push(record);
      record = [];
      value = '';
      complete = i + 1;
    } else {
      value += c;
    }
  }
  return { records, complete };
}

export interface ManifestContents {
  rows: ManifestRow[];
  /** Characters after the last complete line (a row torn by a crash), 0 when none. */
  torn: number;
  /** Complete lines that are not rows of ours (wrong number of fields), skipped. */
  malformed: number;
}

/** Reads a manifest; a missing or empty file has no rows. */
export function readManifest(file: string): ManifestContents {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { rows: [], torn: 0, malformed: 0 };
    throw err;
  }
  const { records, complete } = parseCsv(text);
  const torn = text.length - complete;
  if (records.length === 0) return { rows: [], torn, malformed: 0 };
  const header = records[0].join(',');
  if (header !== MANIFEST_COLUMNS.join(',')) {
    throw new UserError(
      `${file} is not a cyclegan manifest: its header is '${header.slice(0, 80)}', ` +
        `expected '${MANIFEST_COLUMNS.join(',')}'.`,
      'Give another --manifest file, or move this one away.',
    );
  }
  const rows: ManifestRow[] = [];
  let malformed = 0;
  for (const r of records.slice(1)) {
    if (r.length !== MANIFEST_COLUMNS.length) {
      if (!(r.length === 1 && r[0] === '')) malformed++; // blank lines are not errors
      continue;
    }
    rows.push(Object.fromEntries(MANIFEST_COLUMNS.map((c, i) => [c, r[i]])) as ManifestRow);
  }
  return { rows, torn, malformed };
}

/** Appends rows to a manifest, each fsynced before `append` returns. */
export class ManifestWriter {
  private constructor(
    readonly file: string,
    private fd: number | undefined,
  ) {}

  /**
   * Opens `file` for appending: creates it with the header, or cuts off a torn last line
   * left by a killed run. Returns the rows already in it.
   */
  static open(file: string): { writer: ManifestWriter; existing: ManifestContents } {
    const existing = readManifest(file);
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    try {
      const size = fs.fstatSync(fd).size;
      if (size === 0) {
        fs.writeSync(fd, HEADER, 0);
      } else if (existing.torn > 0) {
        const text = fs.readFileSync(fd, 'utf8');
        const keep = Buffer.byteLength(text.slice(0, text.length - existing.torn));
        fs.ftruncateSync(fd, keep);
      }
      fs.fsyncSync(fd);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
    return { writer: new ManifestWriter(file, fd), existing };
  }

  append(row: ManifestRow): void {
    if (this.fd === undefined) throw new Error(`manifest ${this.file} is closed`);
    const bytes = Buffer.from(formatRow(row));
    const end = fs.fstatSync(this.fd).size;
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(this.fd, bytes, done, undefined, end + done);
    fs.fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** A row's key: one per source file and frame. */
export function rowKey(row: Pick<ManifestRow, 'source' | 'frame'>): string {
  return `${row.source}\u0000${row.frame.split('/')[0]}`;
}
