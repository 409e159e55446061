/**
 * The reference's unaligned data set: two folders of unpaired images,
 * `<dataroot>/<phase>A` and `<dataroot>/<phase>B`, read as NHWC batches.
 *
 * One epoch has length = max(|A|, |B|) items, cut into
 * batchesPerEpoch = max(1, floor(length / batchSize)) full batches: the last
 * `length % batchSize` items of the epoch's order are dropped (with a
 * shuffled order they differ from epoch to epoch), and a batch larger than
 * the data set wraps around.
 *
 * Item i of an epoch, as the reference:
 *   index = serialBatches ? i : permutation(length)[i]
 *   A = pathsA[index % |A|]
 *   B = pathsB[serialBatches ? index % |B| : uniform random]
 * Randomness is keyed, never carried from item to item: the permutation
 * comes from Rng.derive(seed, epoch); item i's B choice, A transform and B
 * transform from Rng.derive(seed, epoch, i, k) with k = 0, 1, 2. So
 * `batches(epoch, seed, n, start)` yields exactly the batches from `start`
 * on that a whole epoch yields (exact resume), whatever the prefetching.
 *
 * A file that cannot be decoded is reported once through onWarning as
 * `Skipping <path>: <reason>` and replaced by the next usable file of its
 * folder in sorted order (or, with `strict`, ends the run with its
 * `BadImageError`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BadImageError, UserError } from '../util/errors';
import { Rng } from '../util/rng';
import { DicomReadOptions } from './dicom';
import { listImages } from './folder';
import { ChannelsError, Image } from './image';
import { checkTransformOptions, loadTransformed, TransformOptions } from './transforms';

export interface UnalignedOptions extends TransformOptions {
  /** Channels of domain B images (`--output-nc`); `inputNc` is domain A's. Default: inputNc. */
  outputNc?: 1 | 3;
  maxDatasetSize: number;
  serialBatches: boolean;
  strict: boolean;
  dicom?: DicomReadOptions;
  onWarning?: (msg: string) => void;
}

export interface Batch {
  /** NHWC, values in [-1, 1]. */
  realA: Float32Array;
  /** NHWC, values in [-1, 1]. */
  realB: Float32Array;
  /** realA's [batchSize, height, width, channels] */
  shape: [number, number, number, number];
  /** realB's shape: B images have `outputNc` channels, and may differ from A in size. */
  shapeB: [number, number, number, number];
  pathsA: string[];
  pathsB: string[];
  /** 0-based within the epoch. */
  iteration: number;
}

type Side = 'A' | 'B';

interface Item {
  a: Image;
  b: Image;
  pathA: string;
  pathB: string;
}

export class UnalignedDataset {
  /** Files already reported as undecodable, skipped from then on. */
  private readonly bad = new Set<string>();

  private constructor(
    readonly dirA: string,
    readonly dirB: string,
    readonly pathsA: readonly string[],
    readonly pathsB: readonly string[],
    private readonly opts: UnalignedOptions,
  ) {}

  /**
   * Lists both folders and decodes one image of each, so that a wrong
   * folder or an unusable --input-nc fails here rather than mid-epoch.
   */
  static async open(
    dataroot: string,
    phase: 'train' | 'test',
    opts: UnalignedOptions,
  ): Promise<UnalignedDataset> {
    checkTransformOptions(opts);
    if (!fs.existsSync(dataroot)) {
      throw new UserError(`Folder ${dataroot} does not exist. Check --dataroot.`);
    }
    const dirA = path.join(dataroot, `${phase}A`);
    const dirB = path.join(dataroot, `${phase}B`);
    const pathsA = listImages(dirA, opts.maxDatasetSize);
    const pathsB = listImages(dirB, opts.maxDatasetSize);
    const dataset = new UnalignedDataset(dirA, dirB, pathsA, pathsB, opts);
    await dataset.load('A', 0, Rng.derive(0));
    await dataset.load('B', 0, Rng.derive(0));
    return dataset;
  }

  get sizeA(): number {
    return this.pathsA.length;
  }

  get sizeB(): number {
    return this.pathsB.length;
  }

  /** Items per epoch: max(|A|, |B|). */
  get length(): number {
    return Math.max(this.sizeA, this.sizeB);
  }

  /** Full batches per epoch: max(1, floor(length / batchSize)). */
  batchesPerEpoch(batchSize: number): number {
    checkBatchSize(batchSize);
    return Math.max(1, Math.floor(this.length / batchSize));
  }

  /**
   * The batches of one epoch from `startIteration` on, decoded ahead of the
   * consumer: about 2·batchSize + 2 items are in flight (sharp decodes on
   * its own threads), so a training step rarely waits for data.
   */
  async *batches(
    epoch: number,
    seed: number,
    batchSize: number,
    startIteration = 0,
  ): AsyncGenerator<Batch> {
    const count = this.batchesPerEpoch(batchSize);
    if (!Number.isInteger(startIteration) || startIteration < 0) {
      throw new RangeError(`startIteration must be a non-negative integer, got ${startIteration}`);
    }
    const order = this.opts.serialBatches
      ? undefined
      : Rng.derive(seed, epoch).permutation(this.length);
    const end = count * batchSize;
    const window = 2 * batchSize + 2;
    const pending: Promise<Item>[] = [];
    let next = startIteration * batchSize;
    const fill = (): void => {
      while (next < end && pending.length < window) {
        const item = this.item(next++, order, seed, epoch);
        item.catch(() => undefined); // awaited in turn below; no unhandled rejection meanwhile
        pending.push(item);
      }
    };

    for (let iteration = startIteration; iteration < count; iteration++) {
      fill();
      const items: Item[] = [];
      for (let k = 0; k < batchSize; k++) {
        items.push(await pending.shift()!);
        fill();
      }
      yield this.assemble(items, iteration);
    }
  }

  /** Item i of the epoch: which files, and their transformed images. */
  private async item(
    i: number,
    order: number[] | undefined,
    seed: number,
    epoch: number,
  ): Promise<Item> {
    const index = order ? order[i % this.length] : i;
    const indexB = this.opts.serialBatches
      ? index % this.sizeB
      : Rng.derive(seed, epoch, i, 0).int(this.sizeB);
    const [a, b] = await Promise.all([
      this.load('A', index % this.sizeA, Rng.derive(seed, epoch, i, 1)),
      this.load('B', indexB, Rng.derive(seed, epoch, i, 2)),
    ]);
    return { a: a.image, b: b.image, pathA: a.path, pathB: b.path };
  }

  /** Loads file `index` of a side, or the next usable one after it when it is bad. */
  private async load(side: Side, index: number, rng: Rng): Promise<{ image: Image; path: string }> {
    const paths = side === 'A' ? this.pathsA : this.pathsB;
    const dir = side === 'A' ? this.dirA : this.dirB;
    const state = rng.getState();
    const nc = side === 'A' ? this.opts.inputNc : (this.opts.outputNc ?? this.opts.inputNc);
    const option = side === 'A' ? '--input-nc' : '--output-nc';
    const opts = { ...this.opts, inputNc: nc };
    for (let k = 0; k < paths.length; k++) {
      const file = paths[(index + k) % paths.length];
      if (this.bad.has(file)) continue;
      try {
        // a replacement gets the same draws the bad file would have had
        const image = await loadTransformed(file, opts, new Rng(state), this.opts.dicom);
        return { image, path: file };
      } catch (err) {
        if (err instanceof ChannelsError) {
          throw new UserError(
            `Images in ${dir} cannot be used with ${option} ${nc}: ` +
              `${path.basename(file)} has ${err.channels} channels ` +
              '(expected 1 to 4: grey, grey+alpha, RGB, RGBA or CMYK).',
          );
        }
        if (!(err instanceof BadImageError) || this.opts.strict) throw err;
        if (!this.bad.has(file)) {
          this.bad.add(file);
          this.opts.onWarning?.(`Skipping ${err.message}`);
        }
      }
    }
    throw new UserError(
      `No usable images in ${dir}: none of its ${paths.length} files could be decoded. ` +
        'Check --dataroot.',
    );
  }

  /** Stacks items into NHWC arrays; every image must have the same size. */
  private assemble(items: Item[], iteration: number): Batch {
    const { height, width, channels } = items[0].a;
    const mode = `--preprocess ${this.opts.preprocess}`;
    const fixed = 'a --preprocess mode that crops (resize_and_crop, crop, scale_width_and_crop)';
    const dims = (image: Image): string => `${image.height}x${image.width}`;
    for (const [side, pathOf] of [
      ['a', (item: Item) => item.pathA],
      ['b', (item: Item) => item.pathB],
    ] as const) {
      const ref = items[0][side];
      for (const item of items) {
        const image = item[side];
        if (image.height !== ref.height || image.width !== ref.width) {
          throw new UserError(
            `Images of one batch differ in size: ${pathOf(items[0])} gives ${dims(ref)}, ` +
              `${pathOf(item)} gives ${dims(image)} (--batch-size ${items.length}, ${mode}).`,
            `Use --batch-size 1, or ${fixed}.`,
          );
        }
      }
    }
    const size = height * width * channels;
    const b = items[0].b;
    const sizeB = b.height * b.width * b.channels;
    const realA = new Float32Array(items.length * size);
    const realB = new Float32Array(items.length * sizeB);
    items.forEach((item, n) => {
      realA.set(item.a.data, n * size);
      realB.set(item.b.data, n * sizeB);
    });
    return {
      realA,
      realB,
      shape: [items.length, height, width, channels],
      shapeB: [items.length, b.height, b.width, b.channels],
      pathsA: items.map((item) => item.pathA),
      pathsB: items.map((item) => item.pathB),
      iteration,
    };
  }
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new UserError(`--batch-size: expected a positive integer, received ${batchSize}`);
  }
}
