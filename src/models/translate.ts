import * as fs from 'node:fs';
import * as path from 'node:path';
import { tf } from '../engine/tf';
import { readSafetensors } from '../io/safetensors';
import { loadTorch } from '../nn/params';
import { UserError } from '../util/errors';
import { Rng } from '../util/rng';
import { NetworkOptions } from './options';
import { ResnetGenerator } from './resnet_generator';

export type Direction = 'AtoB' | 'BtoA';

/** A generator ready to translate, and where its weights came from. */
export interface LoadedGenerator {
  generator: ResnetGenerator;
  /** The weights file. */
  source: string;
  network: NetworkOptions;
}

/**
 * The generator of a run's checkpoint: G_A for AtoB, G_B for BtoA, built
 * with the run's saved network options. Options given on the command line
 * must agree with them.
 */
export async function loadRunGenerator(
  runDir: string,
  epoch: string,
  direction: Direction,
  given: Partial<NetworkOptions>,
): Promise<LoadedGenerator> {
  if (!fs.existsSync(runDir)) throw new UserError(`--checkpoint ${runDir} does not exist.`);
  const optionsFile = path.join(runDir, 'options.json');
  if (!fs.existsSync(optionsFile)) {
    throw new UserError(
      `${runDir} is not a training run (no options.json).`,
      'Point --checkpoint at a run folder, for example runs/<name>, or use --generator.',
    );
  }
  const saved = readNetworkOptions(optionsFile);
  for (const [k, v] of Object.entries(given) as Array<[keyof NetworkOptions, unknown]>) {
    if (v !== undefined && saved[k] !== v) {
      throw new UserError(
        `--${kebab(k)} ${String(v)} contradicts the run's own setting ${String(saved[k])} ` +
          `(${optionsFile}).`,
        `Drop --${kebab(k)}: translate takes network settings from the run.`,
      );
    }
  }
  const tag = epoch === 'latest' ? 'latest' : `epoch_${epoch.replace(/^epoch_/, '')}`;
  const file = path.join(
    runDir,
    'checkpoints',
    tag,
    direction === 'AtoB' ? 'G_A.safetensors' : 'G_B.safetensors',
  );
  if (!fs.existsSync(file)) {
    throw new UserError(
      `No checkpoint ${tag} in ${runDir} (missing ${file}).`,
      'Check --epoch: latest, or an epoch number that was saved.',
    );
  }
  const network =
    direction === 'AtoB' ? saved : { ...saved, inputNc: saved.outputNc, outputNc: saved.inputNc };
  return { generator: await loadGenerator(file, network), source: file, network };
}

/**
 * A lone generator from a safetensors file with the reference release's
 * weight names in PyTorch layout (so weights trained in PyTorch load as they are).
 */
export async function loadGenerator(
  file: string,
  network: NetworkOptions,
): Promise<ResnetGenerator> {
  const { tensors } = await readSafetensors(file);
  // The initial weights are overwritten; any seed will do.
  const generator = new ResnetGenerator(network, Rng.derive(0));
  loadTorch(generator.params, tensors, file);
  return generator;
}

/**
 * Translates one image of any size: pads it on the bottom and right by
 * reflection to a multiple of 4 (and at least 8, the smallest size the
 * network's reflection pads allow), runs the generator and crops back.
 *
 * @param image [H, W, C] values in [-1, 1] @returns [H, W, outputNc]
 */
export function translateImage(
  generator: ResnetGenerator,
  image: { data: Float32Array; height: number; width: number; channels: number },
): Float32Array {
  return tf.tidy(() => {
    const { height, width, channels } = image;
    let x = tf.tensor4d(image.data, [1, height, width, channels]);
    const targetH = Math.max(8, Math.ceil(height / 4) * 4);
    const targetW = Math.max(8, Math.ceil(width / 4) * 4);
    // Symmetric padding may add at most the current size at a time.
    while (x.shape[1] < targetH || x.shape[2] < targetW) {
      const ph = Math.min(targetH - x.shape[1], x.shape[1]);
      const pw = Math.min(targetW - x.shape[2], x.shape[2]);
      x = tf.mirrorPad(
        x,
        [
          [0, 0],
          [0, ph],
          [0, pw],
          [0, 0],
        ],
        'symmetric',
      );
    }
    const y = generator.apply(x);
    return tf.slice(y, [0, 0, 0, 0], [1, height, width, -1]).dataSync() as Float32Array;
  });
}

/** The network settings a run saved, or a UserError naming the file. */
function readNetworkOptions(file: string): NetworkOptions {
  let options: unknown;
  try {
    options = (JSON.parse(fs.readFileSync(file, 'utf8')) as { options?: unknown }).options;
  } catch (err) {
    throw new UserError(`${file} cannot be read: ${(err as Error).message}`);
  }
  const o = options as Partial<NetworkOptions> | undefined;
  if (o === undefined || typeof o.ngf !== 'number' || typeof o.netG !== 'string') {
    throw new UserError(`${file} holds no network options (netG, ngf, ...).`);
  }
  return o as NetworkOptions;
}

function kebab(name: string): string {
  return name === 'netG' || name === 'netD'
    ? name
    : name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
