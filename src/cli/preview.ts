/**
 * `cyclegan preview`: writes each image as training will feed it to the model (decoding,
 * DICOM window, channels, --preprocess, crop and flip), so a user can check windowing and
 * orientation before spending hours on training.
 *
 * The crop and flip draws come from a fixed seed (`--seed`, keyed by the file's place in
 * the sorted listing and the frame), so a preview is reproducible; training draws its own.
 */
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { checkOutputOutside, frameStem, listInputs, openInput, outputStems } from '../batch/inputs';
import { encodePng } from '../data/image';
import {
  applyPlan,
  checkTransformOptions,
  planTransform,
  TransformOptions,
} from '../data/transforms';
import { defaultNetworkOptions } from '../models/options';
import { UserError } from '../util/errors';
import { Rng } from '../util/rng';
import { describeWindow, DicomCliOptions, dicomReadOptions } from './dicom_options';
import { addTransformOptions } from './options';
import { channels, integer, limit } from './parse';
import { makeFolder } from '../util/folders';
import { count } from '../util/plural';

export interface PreviewOptions extends DicomCliOptions {
  input: string;
  output: string;
  inputNc: 1 | 3;
  preprocess: TransformOptions['preprocess'];
  loadSize: number;
  cropSize: number;
  /** Commander's `--no-flip`. */
  flip: boolean;
  seed: number;
  maxDatasetSize: number;
}

export function register(program: Command) {
  const cmd = program
    .command('preview')
    .description(
      'write each image as the model will see it in training (window, channels, resize, ' +
        'crop, flip), as 8-bit PNGs named after the sources',
    )
    .requiredOption('--input <path>', 'an image or a folder of images (walked recursively)')
    .requiredOption('--output <dir>', 'folder for the previews; sub-folders mirror the input')
    .addOption(
      new Option('--input-nc <n>', 'channels the model reads: 1 grey, 3 RGB')
        .argParser(channels)
        .default(defaultNetworkOptions.inputNc),
    );
  addTransformOptions(cmd)
    .addOption(
      new Option('--seed <n>', 'seed of the crop and flip draws').argParser(integer(0)).default(0),
    )
    .addOption(
      new Option('--max-dataset-size <n>', 'preview at most this many files (or inf)')
        .argParser(limit)
        .default(Infinity, 'inf'),
    )
    .action(async (o: PreviewOptions) => {
      const { written, failed } = await runPreview(o);
      if (failed > 0) {
        throw new UserError(
          `${count(failed, 'file')} could not be read (listed above); ` +
            `${count(written, 'preview')} written.`,
        );
      }
    });
}

/** Writes the previews; returns how many were written and how many files failed. */
export async function runPreview(
  o: PreviewOptions,
  log: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): Promise<{ written: number; failed: number }> {
  const transform: TransformOptions = {
    preprocess: o.preprocess,
    loadSize: o.loadSize,
    cropSize: o.cropSize,
    noFlip: o.flip === false,
    inputNc: o.inputNc,
  };
  checkTransformOptions(transform);
  const { files } = listInputs(o.input, '--input', o.maxDatasetSize);
  checkOutputOutside(o.input, o.output);
  const stems = outputStems(files);
  const dicom = dicomReadOptions(o);
  makeFolder(o.output, '--output');

  let written = 0;
  let failed = 0;
  for (const [i, file] of files.entries()) {
    try {
      const opened = await openInput(file.path, o.inputNc, dicom);
      const frames = opened.sources.length;
      for (const [k, source] of opened.sources.entries()) {
        const rng = Rng.derive(o.seed, i, k);
        const plan = planTransform(source.width, source.height, transform, rng);
        const image = await applyPlan(source, plan, o.inputNc);
        const name = frameStem(stems.get(file.rel)!, k + 1, frames) + '.png';
        await encodePng(image, path.join(o.output, name), 8);
        written++;
      }
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      log(`failed: ${err.message}`);
      failed++;
    }
  }
  const flip = transform.noFlip ? 'no flip' : 'random flip';
  log(
    `Wrote ${count(written, 'preview')} to ${o.output}: --input-nc ${o.inputNc}, --preprocess ` +
      `${o.preprocess} (load ${o.loadSize}, crop ${o.cropSize}), ${flip}, ` +
      `window ${describeWindow(o.window)}, frames ${dicom.frames}.`,
  );
  return { written, failed };
}
