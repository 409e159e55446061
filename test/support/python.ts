import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The Python interpreter that has PyTorch (Debian's python3-torch installs it
 * for /usr/bin/python3, which a pyenv `python3` on PATH may hide), or a reason
 * why there is none, for a skipped test to print.
 */
export function torchPython(): { python: string } | { skip: string } {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], {
      encoding: 'utf8',
    });
    if (r.status === 0) return { python };
  }
  return { skip: 'PyTorch is not installed (Debian: apt-get install python3-torch)' };
}

/** The repository root (compiled tests run from dist/test/...). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

/** The PyTorch reference script the project is measured against. */
export function torchReference(): string {
  return path.join(repoRoot(), 'bench', 'reference', 'torch_cyclegan_step.py');
}
