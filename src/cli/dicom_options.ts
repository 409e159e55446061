import { Command, InvalidArgumentError, Option } from 'commander';
import { DicomReadOptions } from '../data/dicom';

/**
 * `--window` and `--frames`: how DICOM files are read, for every command that
 * reads images (train, preview, translate, augment). Other formats ignore them.
 */

export type WindowOption = 'auto' | { center: number; width: number };
export type FramesOption = 'first' | 'all';

export interface DicomCliOptions {
  window?: WindowOption;
  frames: FramesOption;
}

/** `auto` or `CENTER,WIDTH` in modality units (Hounsfield units for CT), e.g. `40,400`. */
export function parseWindow(value: string): WindowOption {
  if (value === 'auto') return 'auto';
  const m = /^\s*(-?[\d.]+(?:e[-+]?\d+)?)\s*,\s*([\d.]+(?:e[-+]?\d+)?)\s*$/i.exec(value);
  const center = m ? Number(m[1]) : NaN;
  const width = m ? Number(m[2]) : NaN;
  if (!Number.isFinite(center) || !Number.isFinite(width) || width < 1) {
    throw new InvalidArgumentError(
      `Expected 'auto' or CENTER,WIDTH in modality units with WIDTH ≥ 1 (e.g. 40,400), ` +
        `got '${value}'.`,
    );
  }
  return { center, width };
}

/** What `--window` defaults to when reading training data. */
export const FILE_WINDOW = "the file's own window, else its VOI LUT, else its full range";

/**
 * Adds `--window` and `--frames`, with `framesHelp` saying what `all` means for the command
 * and `windowDefault` what happens without `--window`.
 */
export function addDicomOptions(cmd: Command, framesHelp: string, windowDefault = FILE_WINDOW) {
  return cmd
    .addOption(
      new Option(
        '--window <c,w>',
        'DICOM greyscale window: CENTER,WIDTH in modality units (e.g. 40,400 for CT soft ' +
          `tissue), or auto (0.5th..99.5th percentile); default: ${windowDefault}`,
      ).argParser(parseWindow),
    )
    .addOption(
      new Option('--frames <which>', `frames of multi-frame DICOM files: ${framesHelp}`)
        .choices(['first', 'all'])
        .default('first'),
    );
}

/** The reader's options from the parsed command line. */
export function dicomReadOptions(o: Partial<DicomCliOptions>): DicomReadOptions {
  return { window: o.window, frames: o.frames ?? 'first' };
}

/** `40,400`, `auto` or `each file's own`, for logs. */
export function describeWindow(w: WindowOption | undefined): string {
  if (w === undefined) return "each file's own";
  return w === 'auto' ? 'auto' : `${w.center},${w.width}`;
}
