/**
 * Makes the README's picture of demo results: the first test images of each
 * domain over their translations, from a finished demo run.
 *   node dist/scripts/demo-picture.js [runs/demo] [docs/demo.png]
 */
import * as path from 'node:path';
import { decodeImage } from '../src/data/image';
import { packageRoot } from '../src/train/run_folder';
import { writeSampleGrid } from '../src/train/samples';

async function main() {
  const run = process.argv[2] ?? path.join('runs', 'demo');
  const out = process.argv[3] ?? path.join('docs', 'demo.png');
  const data = path.join(packageRoot(), 'datasets', 'shoes2boots');
  const count = 8;
  const names = Array.from({ length: count }, (_, i) => `${String(i + 1).padStart(5, '0')}.png`);
  const rows = [];
  for (const domain of ['testA', 'testB']) {
    const load = (dir: string) => Promise.all(names.map((n) => decodeImage(path.join(dir, n), 1)));
    rows.push(await load(path.join(data, domain)));
    rows.push(await load(path.join(run, 'translated', domain)));
  }
  await writeSampleGrid(out, rows, 3);
  console.log(`wrote ${out}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
