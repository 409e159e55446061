import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { checkOutputOutside, frameStem, listInputs, openInput, outputStems } from '../batch/inputs';
import { describeGenerator, trainingWindow } from '../batch/generator_info';
import {
  checkOutputSettings,
  OUTPUT_FORMATS,
  OutputFormat,
  outputExtension,
  writeOutput,
} from '../batch/outputs';
import { readPixels } from '../data/image';
import { selectBackend } from '../engine/backend';
import {
  Direction,
  loadGenerator,
  loadRunGenerator,
  LoadedGenerator,
  translateImage,
} from '../models/translate';
import { defaultNetworkOptions, NetworkOptions } from '../models/options';
import { BadImageError, UserError } from '../util/errors';
import { addDicomOptions, FILE_WINDOW, DicomCliOptions, dicomReadOptions } from './dicom_options';
import { addEngineOptions, addNetworkOptions, EngineOptions, networkOptionsOf } from './options';
import { makeFolder } from '../util/folders';
import { count } from '../util/plural';

export interface TranslateOptions
  extends EngineOptions, Partial<NetworkOptions>, Partial<DicomCliOptions> {
  checkpoint?: string;
  generator?: string;
  epoch: string;
  direction: Direction;
  input: string;
  output: string;
  format: OutputFormat;
  /** DICOM sample depth; default 16 for DICOM and 16-bit sources, else 8. */
  bits?: 8 | 16;
  keepIdentifiers?: boolean;
}

/** `--format`, `--bits` and `--keep-identifiers`, shared with augment. */
export function addOutputOptions(cmd: Command) {
  return cmd
    .addOption(
      new Option(
        '--format <f>',
        'output format: png (8-bit), png16 (16-bit) or dicom (a derived Secondary Capture ' +
          "with the source's size and pixel spacing)",
      )
        .choices(OUTPUT_FORMATS as string[])
        .default('png'),
    )
    .addOption(
      new Option(
        '--bits <n>',
        'bits per DICOM sample (default: 16 for DICOM and 16-bit sources, else 8)',
      ).argParser(bits),
    )
    .option(
      '--keep-identifiers',
      'DICOM output keeps the patient, institution and date attributes of the source ' +
        '(default: removed, as PS3.15 Annex E basic profile)',
    );
}

function bits(value: string): 8 | 16 {
  if (value !== '8' && value !== '16') {
    throw new InvalidArgumentError(`Expected 8 or 16, got '${value}'.`);
  }
  return Number(value) as 8 | 16;
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
    .requiredOption('--output <dir>', 'folder for the translated images');
  addOutputOptions(cmd).addOption(
    new Option('--preprocess <mode>', 'only none: images are translated at their own size')
      .choices(['none'])
      .default('none'),
  );
  addDicomOptions(
    cmd,
    'first, or all (each frame translated to its own file, <name>-frame<k>)',
    `the window the run was trained with, else ${FILE_WINDOW}`,
  );
  addNetworkOptions(cmd, 'generator');
  addEngineOptions(cmd).action(async (o: TranslateOptions) => {
    await runTranslate(o);
  });
}

export async function runTranslate(o: TranslateOptions, quiet = false): Promise<number> {
  if ((o.checkpoint === undefined) === (o.generator === undefined)) {
    throw new UserError('Give exactly one of --checkpoint <run folder> or --generator <file>.');
  }
  checkOutputSettings(o.format, o.bits);
  if (!fs.existsSync(o.input)) throw new UserError(`--input ${o.input} does not exist.`);
  checkOutputOutside(o.input, o.output);
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
  const info = describeGenerator(loaded, o.direction, o.checkpoint);
  const { files } = listInputs(o.input);
  const stems = outputStems(files);
  // DICOM files are read as in training unless --window says otherwise
  const window = o.window ?? (o.checkpoint ? trainingWindow(o.checkpoint) : undefined);
  const dicom = dicomReadOptions({ ...o, window });
  const { inputNc, outputNc } = loaded.network;
  const settings = {
    format: o.format,
    bits: o.bits,
    keepIdentifiers: o.keepIdentifiers === true,
    derivation: info.derivation,
  };
  makeFolder(o.output, '--output');
  const started = performance.now();
  let written = 0;
  let skipped = 0;
  try {
    // An unreadable file in a folder (bad header or bad pixel data) is reported and
    // skipped, as in training; a single input file that cannot be read is an error.
    const skip = (err: unknown) => {
      if (!(err instanceof BadImageError) || files.length === 1) throw err;
      console.error(`warning: skipping ${err.message}`);
      skipped++;
    };
    for (const file of files) {
      let opened: Awaited<ReturnType<typeof openInput>>;
      try {
        opened = await openInput(file.path, inputNc, dicom);
      } catch (err) {
        skip(err);
        continue;
      }
      const frames = opened.sources.length;
      for (let k = 0; k < frames; k++) {
        const source = opened.sources[k];
        let image: Awaited<ReturnType<typeof readPixels>>;
        try {
          image = await readPixels(source, source.pipeline(), inputNc);
        } catch (err) {
          skip(err);
          break;
        }
        const data = translateImage(loaded.generator, image);
        const name = frameStem(stems.get(file.rel)!, k + 1, frames) + outputExtension(o.format);
        const out = { data, height: image.height, width: image.width, channels: outputNc };
        await writeOutput(path.join(o.output, name), out, settings, opened);
        written++;
      }
    }
  } finally {
    for (const v of loaded.generator.params.values()) v.dispose();
  }
  if (!quiet) {
    const s = (performance.now() - started) / 1000;
    console.error(
      `Translated ${count(written, 'image')} with ${loaded.source} into ${o.output} ` +
        `(${s.toFixed(1)} s).`,
    );
  }
  if (skipped > 0) {
    throw new UserError(
      `${count(skipped, 'file')} could not be read (listed above); ` +
        `${count(written, 'image')} translated.`,
    );
  }
  return written;
}
