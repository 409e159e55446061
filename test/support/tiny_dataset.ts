import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { Rng } from '../../src/util/rng';

/**
 * A tiny unaligned data set of random grey blobs, made on the spot:
 * `trainA` bright-ish, `trainB` dark-ish, plus testA/testB.
 */
export async function makeTinyDataset(
  sizes = { trainA: 3, trainB: 2, testA: 2, testB: 1 },
  side = 20,
): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cyclegan-tiny-'));
  const rng = Rng.derive(42);
  for (const [folder, count] of Object.entries(sizes)) {
    fs.mkdirSync(path.join(root, folder));
    for (let i = 0; i < count; i++) {
      const bright = folder.endsWith('A');
      const pixels = Buffer.alloc(side * side);
      for (let p = 0; p < pixels.length; p++) {
        pixels[p] = Math.floor((bright ? 128 : 0) + rng.random() * 127);
      }
      await sharp(pixels, { raw: { width: side, height: side, channels: 1 } })
        .png()
        .toFile(path.join(root, folder, `${String(i + 1).padStart(3, '0')}.png`));
    }
  }
  return root;
}
