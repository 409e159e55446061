import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  formatRow,
  MANIFEST_COLUMNS,
  ManifestRow,
  ManifestWriter,
  parseCsv,
  readManifest,
} from '../../src/batch/manifest';

const row = (source: string, status = 'ok'): ManifestRow => ({
  source,
  frame: '',
  output: source + '.png',
  direction: 'AtoB',
  checkpoint: '0123456789abcdef',
  epoch: '3',
  size: '16x16',
  status,
  seconds: '0.125',
  finished: '2025-01-02T03:04:05.000Z',
});

describe('manifest CSV', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cyclegan-manifest-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('quotes commas, quotes and line breaks, and reads them back', () => {
    const r = row('a,b/"c"\nd', 'bad: "x", y');
    const text = formatRow(r);
    const source = '"a,b/""c""\nd"';
    const output = '"a,b/""c""\nd.png"';
    const status = '"bad: ""x"", y"';
    assert.equal(
      text,
      `${source},,${output},AtoB,0123456789abcdef,3,16x16,${status},0.125,2025-01-02T03:04:05.000Z\n`,
    );
    const { records, complete } = parseCsv(text);
    assert.equal(complete, text.length);
    assert.deepEqual(records, [MANIFEST_COLUMNS.map((c) => r[c])]);
  });

  it('a new manifest gets the header; rows are appended one per line', () => {
    const file = path.join(dir, 'new.csv');
    const { writer, existing } = ManifestWriter.open(file);
    assert.deepEqual(existing, { rows: [], torn: 0, malformed: 0 });
    writer.append(row('x'));
    writer.append(row('y', 'empty file'));
    writer.close();
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    assert.equal(
      lines[0],
      'source,frame,output,direction,checkpoint,epoch,size,status,seconds,finished',
    );
    assert.equal(lines.length, 4);
    assert.deepEqual(readManifest(file).rows, [row('x'), row('y', 'empty file')]);
  });

  it('a torn last line (a killed append) is ignored, then cut off before appending', () => {
    const file = path.join(dir, 'torn.csv');
    fs.writeFileSync(file, MANIFEST_COLUMNS.join(',') + '\n' + formatRow(row('x')) + 'y,,y.pn');
    assert.deepEqual(readManifest(file), { rows: [row('x')], torn: 7, malformed: 0 });
    const { writer, existing } = ManifestWriter.open(file);
    assert.equal(existing.torn, 7);
    writer.append(row('y'));
    writer.close();
    assert.deepEqual(readManifest(file), { rows: [row('x'), row('y')], torn: 0, malformed: 0 });
  });

  it('counts malformed lines and refuses a file that is not a manifest', () => {
    const file = path.join(dir, 'odd.csv');
    fs.writeFileSync(
      file,
      MANIFEST_COLUMNS.join(',') + '\nonly,three,fields\n' + formatRow(row('x')),
    );
    assert.deepEqual(readManifest(file), { rows: [row('x')], torn: 0, malformed: 1 });
    const other = path.join(dir, 'other.csv');
    fs.writeFileSync(other, 'name,age\nx,3\n');
    assert.throws(() => ManifestWriter.open(other), {
      name: 'UserError',
      message:
        `${other} is not a cyclegan manifest: its header is 'name,age', expected ` +
        `'${MANIFEST_COLUMNS.join(',')}'.`,
    });
    assert.equal(fs.readFileSync(other, 'utf8'), 'name,age\nx,3\n'); // untouched
  });
});
