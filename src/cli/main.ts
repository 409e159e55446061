import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { packageRoot } from '../train/run_folder';
import { UserError } from '../util/errors';
import * as augment from './augment';
import * as bench from './bench';
import * as demo from './demo';
import * as mergeManifests from './merge_manifests';
import * as preview from './preview';
import * as train from './train';
import * as translate from './translate';

/** Every command, each registering itself from its own file. */
export const commands = [train, translate, preview, augment, mergeManifests, demo, bench];

/** `cyclegan <command>`. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('cyclegan')
    .description('CycleGAN unpaired image-to-image translation, fast on a CPU')
    .version(packageVersion(), '--version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const command of commands) command.register(program);
  program.commands.forEach((c) => c.exitOverride());
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = report(err);
  }
}

/** The version in the package's package.json. */
function packageVersion(): string {
  const file = path.join(packageRoot(), 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

/** A user error becomes one line (and a hint); anything else is a bug and keeps its stack. */
function report(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode; // commander already printed it
  if (err instanceof UserError) {
    console.error(`error: ${err.message}`);
    if (err.hint) console.error(`hint: ${err.hint}`);
    return 1;
  }
  console.error(err);
  return 2;
}
