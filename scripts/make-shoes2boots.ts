/**
 * Builds the bundled data set datasets/shoes2boots from Fashion-MNIST:
 * domain A = sneakers (label 7), domain B = ankle boots (label 9); the first
 * 1000 training and the first 200 test images of each class, in file order,
 * as 28×28 8-bit grey PNGs named 00001.png, 00002.png, ... (1-based index
 * within the class and split).
 *
 *   node dist/scripts/make-shoes2boots.js [fashion-mnist-dir] [output-dir]
 *
 * Defaults: Debian's dataset-fashion-mnist folder and datasets/shoes2boots.
 * The four image folders are replaced; other files in the output folder
 * (README, LICENSE) are left alone. The output is the same on every run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { readFashionMnist } from '../src/data/idx';
import { UserError } from '../src/util/errors';

export const DEFAULT_SOURCE = '/usr/share/datasets/fashion-mnist';
export const DEFAULT_OUTPUT = 'datasets/shoes2boots';
const SNEAKER = 7;
const ANKLE_BOOT = 9;
const SPLITS = [
  { split: 'train', phase: 'train', perClass: 1000 },
  { split: 't10k', phase: 'test', perClass: 200 },
] as const;

/** Writes the four folders; returns the number of images written per folder. */
export async function makeShoes2boots(
  sourceDir: string,
  outputDir: string,
): Promise<Record<string, number>> {
  const written: Record<string, number> = {};
  for (const { split, phase, perClass } of SPLITS) {
    const { images, labels, count, height, width } = readFashionMnist(sourceDir, split);
    for (const [domain, label] of [
      ['A', SNEAKER],
      ['B', ANKLE_BOOT],
    ] as const) {
      // The first perClass images of the class, in file order
      const picked: number[] = [];
      for (let i = 0; i < count && picked.length < perClass; i++) {
        if (labels[i] === label) picked.push(i);
      }
      if (picked.length < perClass) {
        throw new UserError(
          `${sourceDir}: only ${picked.length} ${split} images of label ${label}, need ${perClass}`,
        );
      }

      const dir = path.join(outputDir, `${phase}${domain}`);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      const size = height * width;
      for (const [k, i] of picked.entries()) {
        const pixels = images.subarray(i * size, (i + 1) * size);
        const png = await sharp(pixels, { raw: { width, height, channels: 1 } })
          .toColourspace('b-w')
          .png({ compressionLevel: 9, adaptiveFiltering: false })
          .toBuffer();
        fs.writeFileSync(path.join(dir, `${String(k + 1).padStart(5, '0')}.png`), png);
      }
      written[`${phase}${domain}`] = picked.length;
    }
  }
  return written;
}

async function main(): Promise<void> {
  const [sourceDir = DEFAULT_SOURCE, outputDir = DEFAULT_OUTPUT] = process.argv.slice(2);
  const written = await makeShoes2boots(sourceDir, outputDir);
  const counts = Object.entries(written).map(([folder, n]) => `${folder} ${n}`);
  console.log(`${outputDir}: ${counts.join(', ')}`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    if (err instanceof UserError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  });
}
