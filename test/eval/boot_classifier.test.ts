import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { tf } from '../../src/engine/tf';
import {
  BootClassifier,
  FASHION_MNIST_DIR,
  countBoots,
  loadBootSet,
  readAs28x28,
  trainBootClassifier,
} from '../../src/eval/boot_classifier';
import { UserError } from '../../src/util/errors';

const HAVE_DATA = fs.existsSync(path.join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));
const NO_DATA = 'Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'boot-classifier-test-'));
let classifier: BootClassifier | undefined;

before(async () => {
  await tf.setBackend('cpu');
  if (HAVE_DATA) classifier = await trainBootClassifier();
});

after(() => {
  classifier?.dispose();
  fs.rmSync(scratch, { recursive: true });
});

test('missing data set: one UserError naming the file, with an install hint', () => {
  const dir = path.join(scratch, 'nothing-here');
  assert.throws(
    () => loadBootSet(dir, 'train'),
    new UserError(
      `Fashion-MNIST not found: ${path.join(dir, 'train-images-idx3-ubyte.gz')} is missing`,
      'install it with: apt-get install dataset-fashion-mnist',
    ),
  );
});

test(
  'loadBootSet: 6000 + 6000 train and 1000 + 1000 test images in [-1, 1]',
  { skip: !HAVE_DATA && NO_DATA },
  () => {
    for (const [split, each] of [
      ['train', 6000],
      ['t10k', 1000],
    ] as const) {
      const set = loadBootSet(FASHION_MNIST_DIR, split);
      assert.equal(set.n, 2 * each);
      assert.equal(set.images.length, set.n * 784);
      assert.equal(
        set.labels.reduce((a, b) => a + b, 0),
        each,
      );
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of set.images) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      assert.deepEqual([lo, hi], [-1, 1]);
    }
  },
);

test(
  'trained classifier: above 94% on the test boots and sneakers, no tensor leak',
  { skip: !HAVE_DATA && NO_DATA },
  () => {
    const model = classifier!;
    assert.ok(
      model.testAccuracy > 0.94 && model.testAccuracy <= 1,
      `accuracy ${model.testAccuracy}`,
    );
    const test = loadBootSet(FASHION_MNIST_DIR, 't10k');
    const tensorsBefore = tf.memory().numTensors;
    const p = model.predictBoot(test.images, test.n);
    assert.equal(tf.memory().numTensors, tensorsBefore);
    let correct = 0;
    for (let i = 0; i < test.n; i++) if (p[i] > 0.5 === (test.labels[i] === 1)) correct++;
    assert.equal(correct / test.n, model.testAccuracy);
    assert.throws(() => model.predictBoot(new Float32Array(10), 1), {
      message: 'predictBoot: 1 images of 28x28 need 784 values, got 10',
    });
    assert.deepEqual(model.predictBoot(new Float32Array(0), 0), new Float32Array(0));
  },
);

/** Writes `count` test images of one class as 64x64 RGB PNGs (the resize path is exercised). */
async function writeClass(dir: string, boot: boolean, count: number): Promise<void> {
  fs.mkdirSync(dir);
  const set = loadBootSet(FASHION_MNIST_DIR, 't10k');
  let k = 0;
  for (let i = 0; i < set.n && k < count; i++) {
    if ((set.labels[i] === 1) !== boot) continue;
    const grey = Buffer.from(
      Array.from(set.images.subarray(i * 784, (i + 1) * 784), (v) => Math.round((v + 1) * 127.5)),
    );
    await sharp(grey, { raw: { width: 28, height: 28, channels: 1 } })
      .resize(64, 64)
      .toColourspace('srgb')
      .png()
      .toFile(path.join(dir, `${String(k++).padStart(3, '0')}.png`));
  }
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
}

test(
  'countBoots: folders of real boots and sneakers',
  { skip: !HAVE_DATA && NO_DATA },
  async () => {
    const boots = path.join(scratch, 'boots');
    const sneakers = path.join(scratch, 'sneakers');
    await writeClass(boots, true, 20);
    await writeClass(sneakers, false, 20);
    const b = await countBoots(boots, classifier);
    const s = await countBoots(sneakers, classifier);
    assert.equal(b.total, 20);
    assert.equal(s.total, 20);
    assert.ok(b.boots >= 17, `boots recognised: ${b.boots}/20`);
    assert.ok(s.boots <= 3, `sneakers taken for boots: ${s.boots}/20`);
  },
);

test('readAs28x28: a 28x28 grey PNG comes back exactly, in [-1, 1]', async () => {
  const file = path.join(scratch, 'ramp.png');
  const px = Buffer.from(Array.from({ length: 784 }, (_, i) => i % 256));
  await sharp(px, { raw: { width: 28, height: 28, channels: 1 } })
    .png()
    .toFile(file);
  const v = await readAs28x28(file);
  assert.equal(v.length, 784);
  assert.deepEqual([v[0], v[255], v[256]], [-1, 1, -1]);
  assert.equal(v[128], Math.fround(128 / 127.5 - 1));
});

test('countBoots: no folder, no images, unreadable image are UserErrors', async () => {
  const none = path.join(scratch, 'absent');
  await assert.rejects(countBoots(none, classifier), new UserError(`${none}: no such folder`));
  const empty = path.join(scratch, 'empty');
  fs.mkdirSync(empty);
  await assert.rejects(
    countBoots(empty, classifier),
    new UserError(`${empty}: no PNG, JPEG or WebP images`),
  );
  const broken = path.join(scratch, 'broken');
  fs.mkdirSync(broken);
  fs.writeFileSync(path.join(broken, 'x.png'), 'not a png');
  await assert.rejects(countBoots(broken, classifier), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.ok(
      err.message.startsWith(`${path.join(broken, 'x.png')}: cannot read image`),
      err.message,
    );
    return true;
  });
});
