/**
 * Writing translated images: PNG (8-bit), PNG (16-bit) or a derived DICOM Secondary
 * Capture, each atomically (temporary name in the same folder, then rename) and on disk
 * before the function returns, so a manifest row written after it never names a torn file.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { DicomMeta, writeDicom } from '../data/dicom';
import { encodePng, Image } from '../data/image';
import { UserError } from '../util/errors';

export type OutputFormat = 'png' | 'png16' | 'dicom';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['png', 'png16', 'dicom'];

export function outputExtension(format: OutputFormat): string {
  return format === 'dicom' ? '.dcm' : '.png';
}

/** What made an output, for DICOM's DerivationDescription. */
export interface Derivation {
  /** `cyclegan-ts resnet_9blocks` */
  model: string;
  /** The run and checkpoint, and the weights' hash: `ct2mr/latest sha256:0123abcd...` */
  checkpoint: string;
  direction: string;
}

export interface OutputSettings {
  format: OutputFormat;
  /** Bits of DICOM samples; default 16 for DICOM or 16-bit sources, else 8. */
  bits?: 8 | 16;
  keepIdentifiers: boolean;
  derivation: Derivation;
}

/** Refuses `--bits` with a PNG format, where the format already says the depth. */
export function checkOutputSettings(format: OutputFormat, bits: number | undefined): void {
  if (bits !== undefined && format !== 'dicom') {
    throw new UserError(
      `--bits ${bits} applies to --format dicom only.`,
      'PNG depth comes from --format: png is 8-bit, png16 is 16-bit.',
    );
  }
}

/**
 * Writes `image` to `file` in the chosen format. For DICOM, `meta` (the source was DICOM)
 * gives size, spacing and the carried attributes; `sourceBits` picks the default depth.
 */
export async function writeOutput(
  file: string,
  image: Image,
  settings: OutputSettings,
  source: { bits: 8 | 16; meta?: DicomMeta },
): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  if (settings.format !== 'dicom') {
    await encodePng(image, file, settings.format === 'png16' ? 16 : 8); // fsyncs, renames
    return;
  }
  const bits = settings.bits ?? (source.meta || source.bits === 16 ? 16 : 8);
  await writeDicom(file, image, {
    bits,
    source: source.meta,
    derivation: settings.derivation,
    keepIdentifiers: settings.keepIdentifiers,
  });
  await syncPath(file); // writeDicom renames without fsync: flush the data before a manifest row
  await syncPath(path.dirname(file));
}

async function syncPath(p: string): Promise<void> {
  const handle = await fsp.open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Deletes temporary files that killed runs left in `dirs` for outputs that `isTarget`
 * (given the output's full path) claims: `.<name>.<pid>.<hex>.tmp` of atomic PNG writes and
 * `<name>.<hex>.tmp` of DICOM writes. Call it before writing any of the targets. Only
 * temporaries of these targets are touched, so other shards writing other files into the
 * same folders are safe; two processes working on the same targets at once are not (process
 * ids do not tell: a container's process often has the same id on every start).
 * Returns how many were deleted.
 */
export function removeStaleTemporaries(
  dirs: Iterable<string>,
  isTarget: (file: string) => boolean,
): number {
  let removed = 0;
  for (const dir of new Set(dirs)) {
    let entries: string[];
    try {
      entries = fs.readdirSync(dir);
    } catch {
      continue; // no folder yet: nothing left over
    }
    for (const entry of entries) {
      const png = /^\.(.+)\.\d+\.[0-9a-f]+\.tmp$/.exec(entry);
      const dicom = /^(.+)\.[0-9a-f]{12}\.tmp$/.exec(entry);
      const target = png?.[1] ?? dicom?.[1];
      if (target !== undefined && isTarget(path.join(dir, target))) {
        fs.rmSync(path.join(dir, entry), { force: true });
        removed++;
      }
    }
  }
  return removed;
}
