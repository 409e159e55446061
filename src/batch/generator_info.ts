import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WindowOption } from '../cli/dicom_options';
import { LoadedGenerator } from '../models/translate';
import { Derivation } from './outputs';

/** What identifies the weights an output came from, for manifests and DICOM files. */
export interface GeneratorInfo {
  /** First 16 hex digits of the sha256 of the weights file. */
  id: string;
  /** Epochs trained: `17`, or `16+250` for 250 iterations into epoch 17; '' when unknown. */
  epochs: string;
  derivation: Derivation;
}

/** Hashes the weights file and reads the checkpoint's position (a run's `state.json`). */
export function describeGenerator(
  loaded: LoadedGenerator,
  direction: string,
  run?: string,
): GeneratorInfo {
  const id = createHash('sha256').update(fs.readFileSync(loaded.source)).digest('hex').slice(0, 16);
  const checkpointDir = path.dirname(loaded.source);
  let epochs = '';
  let label = `${path.basename(loaded.source)} sha256:${id}`;
  if (run !== undefined) {
    label = `${path.basename(path.resolve(run))}/${path.basename(checkpointDir)} sha256:${id}`;
    const state = readState(path.join(checkpointDir, 'state.json'));
    if (state)
      epochs =
        state.iteration === 0 ? `${state.epoch - 1}` : `${state.epoch - 1}+${state.iteration}`;
  }
  return {
    id,
    epochs,
    derivation: { model: `cyclegan-ts ${loaded.network.netG}`, checkpoint: label, direction },
  };
}

function readState(file: string): { epoch: number; iteration: number } | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as { epoch?: unknown; iteration?: unknown };
    if (Number.isInteger(s.epoch) && Number.isInteger(s.iteration)) {
      return { epoch: s.epoch as number, iteration: s.iteration as number };
    }
  } catch {
    // no state: a checkpoint from elsewhere; the epoch stays unknown
  }
  return undefined;
}

/**
 * The `--window` a run was trained with (from its `options.json`), so that translating with
 * the run reads DICOM files as training did unless told otherwise. Undefined when the run
 * used each file's own window, or has no readable options.
 */
export function trainingWindow(run: string): WindowOption | undefined {
  try {
    const saved = JSON.parse(fs.readFileSync(path.join(run, 'options.json'), 'utf8'));
    const w = saved?.options?.window as unknown;
    if (w === 'auto') return 'auto';
    if (w && typeof w === 'object') {
      const { center, width } = w as { center?: unknown; width?: unknown };
      if (typeof center === 'number' && typeof width === 'number') return { center, width };
    }
  } catch {
    // loadRunGenerator reports a run folder without options
  }
  return undefined;
}
