import * as fs from 'node:fs';
import { UserError } from './errors';

/**
 * Creates the folder an option names (and its parents), or says in one line
 * why it cannot: a file is in the way, or the file system refuses.
 */
export function makeFolder(dir: string, option: string): void {
  try {
    const stat = fs.statSync(dir, { throwIfNoEntry: false });
    if (stat && !stat.isDirectory()) {
      throw new UserError(`${option} ${dir} is a file, not a folder.`);
    }
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const reason = code === 'ENOTDIR' ? 'a file is in the way on its path' : (err as Error).message;
    throw new UserError(`${option} ${dir} cannot be created: ${reason}.`);
  }
}
