import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { decodeImage, encodePng } from '../data/image';
import { listImages } from '../data/folder';
import { selectBackend } from '../engine/backend';
import {
  Direction,
  loadGenerator,
  loadRunGenerator,
  LoadedGenerator,
  translateImage,
} from '../models/translate';
import { defaultNetworkOptions, NetworkOptions } from '../models/options';
import { UserError } from '../util/errors';
import { addEngineOptions, addNetworkOptions, EngineOptions, networkOptionsOf } from './options';

export interface TranslateOptions extends EngineOptions, Partial<NetworkOptions> {
  checkpoint?: string;
  generator?: string;
  epoch: string;
  direction: Direction;
  input: string;
  output: string;
  format: 'png' | 'png16';
}

export function register(program: Command) {
  const cmd = program
    .command('translate')
    .description('translate images with a trained generator, at their own size')
    .option('--checkpoint <run>', 'run folder to take the generator from, e.g. runs/<name>')
    .option('--generator <file>', 'a lone generator (.safetensors, reference weight names)')
    .option('--epoch <e>', 'checkpoint of the run: latest or an epoch number', 'latest')
    .addOption(
      new Option('--direction <d>', 'AtoB uses G_A, BtoA uses G_B')
        .choices(['AtoB', 'BtoA'])
        .default('AtoB'),
    )
    .requiredOption('--input <path>', 'an image or a folder of images')
    .requiredOption('--output <dir>', 'folder for the translated PNGs')
    .addOption(new Option('--format <f>', 'output format').choices(['png', 'png16']).default('png'))
    .addOption(
      new Option('--preprocess <mode>', 'only none: images are translated at their own size')
        .choices(['none'])
        .default('none'),
    );
  addNetworkOptions(cmd, false);
  addEngineOptions(cmd).action(async (o: TranslateOptions) => {
    await runTranslate(o);
  });
}

export async function runTranslate(o: TranslateOptions, quiet = false): Promise<number> {
  if ((o.checkpoint === undefined) === (o.generator === undefined)) {
    throw new UserError('Give exactly one of --checkpoint <run folder> or --generator <file>.');
  }
  const backend = await selectBackend(o);
  if (!quiet) for (const note of backend.notes) console.error(note);
  const given = networkOptionsOf(o);
  const loaded: LoadedGenerator = o.checkpoint
    ? await loadRunGenerator(o.checkpoint, o.epoch, o.direction, given)
    : await (async () => {
        const network = { ...defaultNetworkOptions, ...given } as NetworkOptions;
        return {
          generator: await loadGenerator(o.generator!, network),
          source: o.generator!,
          network,
        };
      })();
  const files = fs.statSync(o.input, { throwIfNoEntry: false })?.isDirectory()
    ? listImages(o.input)
    : [o.input];
  if (!fs.existsSync(o.input)) throw new UserError(`--input ${o.input} does not exist.`);
  fs.mkdirSync(o.output, { recursive: true });
  const root = fs.statSync(o.input).isDirectory() ? o.input : path.dirname(o.input);
  const started = performance.now();
  for (const file of files) {
    const image = await decodeImage(file, loaded.network.inputNc);
    const data = translateImage(loaded.generator, image);
    const rel = path.relative(root, file);
    const out = path.join(o.output, rel.replace(/\.[^./\\]*$/, '') + '.png');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await encodePng(
      { data, height: image.height, width: image.width, channels: loaded.network.outputNc },
      out,
      o.format === 'png16' ? 16 : 8,
    );
  }
  for (const v of loaded.generator.params.values()) v.dispose();
  if (!quiet) {
    const s = (performance.now() - started) / 1000;
    console.error(
      `Translated ${files.length} image(s) with ${loaded.source} into ${o.output} (${s.toFixed(1)} s).`,
    );
  }
  return files.length;
}
