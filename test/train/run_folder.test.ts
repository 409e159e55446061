import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  RunLog,
  assetPath,
  listSamples,
  packageRoot,
  readLogFile,
  writeIndexHtml,
  writeOptions,
} from '../../src/train/run_folder';

function tmpRun(name = 'run'): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'run-folder-test-'));
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  return dir;
}

function cleanup(runDir: string): void {
  fs.rmSync(path.dirname(runDir), { recursive: true });
}

test('writeOptions: options.json lists every option and the non-defaults', async () => {
  const run = tmpRun();
  await writeOptions(
    run,
    { nEpochs: 5, name: 'h2z', lr: 0.0002, gpuIds: [0], extra: true, seed: undefined },
    { lr: 0.0002, nEpochs: 100, name: 'experiment_name', gpuIds: [0], seed: 0 },
  );
  const file = JSON.parse(fs.readFileSync(path.join(run, 'options.json'), 'utf8'));
  assert.deepEqual(file, {
    options: { extra: true, gpuIds: [0], lr: 0.0002, nEpochs: 5, name: 'h2z', seed: null },
    nonDefault: ['extra', 'nEpochs', 'name', 'seed'],
    defaults: { gpuIds: [0], lr: 0.0002, nEpochs: 100, name: 'experiment_name', seed: 0 },
  });
  assert.equal(
    fs.readFileSync(path.join(run, 'options.txt'), 'utf8'),
    [
      '----- Options -----',
      '  extra: true     [default: (none)]',
      ' gpuIds: [0]',
      '     lr: 0.0002',
      'nEpochs: 5        [default: 100]',
      '   name: h2z      [default: experiment_name]',
      '   seed: null     [default: 0]',
      '----- End -----',
      '',
    ].join('\n'),
  );
  cleanup(run);
});

test('RunLog: one JSON line per entry, appended across instances', () => {
  const run = tmpRun();
  const log = new RunLog(run);
  log.append({
    iteration: 100,
    epoch: 1,
    losses: { D_A: 0.25, G_A: 0.5 },
    lr: 2e-4,
    secondsPerIteration: 0.5,
  });
  log.append({
    iteration: 200,
    epoch: 1,
    losses: { D_A: NaN, G_A: 0.4 },
    lr: 2e-4,
    secondsPerIteration: 0.4,
  });
  log.close();
  assert.throws(
    () => log.append({ iteration: 1, epoch: 1, losses: {}, lr: 0, secondsPerIteration: 0 }),
    {
      message: `RunLog for ${path.join(run, 'log.jsonl')} is closed`,
    },
  );
  const again = new RunLog(run);
  again.append({
    iteration: 300,
    epoch: 2,
    losses: { D_A: 0.2, G_A: 0.3 },
    lr: 1e-4,
    secondsPerIteration: 0.3,
  });
  again.close();

  const lines = fs.readFileSync(path.join(run, 'log.jsonl'), 'utf8').split('\n');
  assert.equal(lines.length, 4);
  assert.equal(lines[3], '');
  const first = JSON.parse(lines[0]);
  assert.match(first.time, /^\d{4}-\d\d-\d\dT/);
  delete first.time;
  assert.deepEqual(first, {
    iteration: 100,
    epoch: 1,
    losses: { D_A: 0.25, G_A: 0.5 },
    lr: 2e-4,
    secondsPerIteration: 0.5,
  });
  assert.equal(JSON.parse(lines[1]).losses.D_A, null); // NaN is not JSON
  assert.deepEqual(
    readLogFile(path.join(run, 'log.jsonl')).map((e) => e.iteration),
    [100, 200, 300],
  );
  cleanup(run);
});

test('RunLog: a torn last line is skipped and does not swallow the next entry', () => {
  const run = tmpRun();
  const file = path.join(run, 'log.jsonl');
  fs.writeFileSync(
    file,
    '{"iteration":1,"epoch":1,"losses":{},"lr":1,"secondsPerIteration":1}\n{"itera',
  );
  const log = new RunLog(run);
  log.append({ iteration: 2, epoch: 1, losses: {}, lr: 1, secondsPerIteration: 1 });
  log.close();
  assert.deepEqual(
    readLogFile(file).map((e) => e.iteration),
    [1, 2],
  );
  cleanup(run);
});

test('RunLog: dropAfterIteration removes lines logged after the resumed checkpoint', () => {
  const run = tmpRun();
  const log = new RunLog(run);
  for (const it of [100, 200, 300, 400]) {
    log.append({ iteration: it, epoch: 1, losses: { G: it }, lr: 1, secondsPerIteration: 1 });
  }
  log.close();
  const resumed = new RunLog(run, { dropAfterIteration: 200 });
  resumed.append({ iteration: 300, epoch: 1, losses: { G: -1 }, lr: 1, secondsPerIteration: 1 });
  resumed.close();
  assert.deepEqual(
    readLogFile(path.join(run, 'log.jsonl')).map((e) => [e.iteration, e.losses.G]),
    [
      [100, 100],
      [200, 200],
      [300, -1],
    ],
  );
  cleanup(run);
});

test('listSamples: image files only, highest epoch and iteration first', () => {
  const run = tmpRun();
  fs.mkdirSync(path.join(run, 'samples'));
  for (const n of [
    'epoch_002_iter_000100.png',
    'epoch_010_iter_000050.png',
    'epoch_002_iter_000900.png',
    'notes.txt',
    '.epoch_011.png.123.abc.tmp',
  ]) {
    fs.writeFileSync(path.join(run, 'samples', n), '');
  }
  assert.deepEqual(listSamples(run), [
    'samples/epoch_010_iter_000050.png',
    'samples/epoch_002_iter_000900.png',
    'samples/epoch_002_iter_000100.png',
  ]);
  assert.deepEqual(listSamples(path.join(run, 'nope')), []);
  cleanup(run);
});

test('packageRoot and assetPath find the template from the compiled code', () => {
  assert.ok(fs.existsSync(path.join(packageRoot(), 'package.json')));
  assert.ok(fs.readFileSync(assetPath('index.html'), 'utf8').includes('{{RUN_DATA}}'));
});

/** The JSON embedded in the page, as the page's own script would read it. */
function embedded(html: string): Record<string, unknown> {
  const m = /<script type="application\/json" id="run-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'run-data script element');
  return JSON.parse(m[1]);
}

test('writeIndexHtml: embeds log, samples and options; no placeholder left', async () => {
  const run = tmpRun('horse2zebra <test>');
  await writeOptions(run, { nEpochs: 5 }, { nEpochs: 100 });
  const log = new RunLog(run);
  log.append({
    iteration: 10,
    epoch: 1,
    losses: { G_A: 1.5, cycle_A: 3 },
    lr: 2e-4,
    secondsPerIteration: 2,
  });
  log.append({
    iteration: 20,
    epoch: 1,
    losses: { G_A: 1.25, cycle_A: 2 },
    lr: 2e-4,
    secondsPerIteration: 2,
  });
  log.close();
  fs.mkdirSync(path.join(run, 'samples'));
  fs.writeFileSync(path.join(run, 'samples', 'epoch_001_iter_000010.png'), '');
  fs.writeFileSync(path.join(run, 'samples', 'epoch_001_iter_000020.png'), '');

  await writeIndexHtml(run);
  const html = fs.readFileSync(path.join(run, 'index.html'), 'utf8');
  assert.ok(!html.includes('{{'), 'all placeholders filled');
  assert.ok(html.includes('<title>horse2zebra &lt;test&gt; · cyclegan-ts</title>'));
  assert.ok(!/https?:\/\//.test(html.replace('http://www.w3.org/2000/svg', '')), 'works offline');
  const data = embedded(html) as {
    name: string;
    log: Array<{ iteration: number; losses: Record<string, number> }>;
    samples: string[];
    options: Record<string, unknown>;
    nonDefault: string[];
  };
  assert.equal(data.name, 'horse2zebra <test>');
  assert.deepEqual(
    data.log.map((e) => [e.iteration, e.losses.G_A, e.losses.cycle_A]),
    [
      [10, 1.5, 3],
      [20, 1.25, 2],
    ],
  );
  assert.deepEqual(data.samples, [
    'samples/epoch_001_iter_000020.png',
    'samples/epoch_001_iter_000010.png',
  ]);
  assert.deepEqual(data.options, { nEpochs: 5 });
  assert.deepEqual(data.nonDefault, ['nEpochs']);
  cleanup(run);
});

test('writeIndexHtml: data cannot close the script element; empty run still renders', async () => {
  const run = tmpRun();
  const log = new RunLog(run);
  log.append({
    iteration: 1,
    epoch: 1,
    losses: { '</script><b>x': 1 },
    lr: 1,
    secondsPerIteration: 1,
  });
  log.close();
  await writeIndexHtml(run);
  const html = fs.readFileSync(path.join(run, 'index.html'), 'utf8');
  assert.equal(html.split('</script>').length, 3); // only the two real script elements end
  assert.deepEqual(Object.keys((embedded(html).log as Array<{ losses: object }>)[0].losses), [
    '</script><b>x',
  ]);

  const empty = tmpRun();
  await writeIndexHtml(empty);
  const data = embedded(fs.readFileSync(path.join(empty, 'index.html'), 'utf8'));
  assert.deepEqual([data.log, data.samples, data.options], [[], [], null]);
  cleanup(run);
  cleanup(empty);
});
