import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { it } from 'node:test';
import { repoRoot } from '../support/python';

it("the README's CLI reference is the one the commands define", () => {
  const root = repoRoot();
  const generated = spawnSync(
    process.execPath,
    [path.join(root, 'dist', 'scripts', 'cli-reference.js')],
    { encoding: 'utf8' },
  );
  assert.equal(generated.status, 0, generated.stderr);
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  assert.ok(
    readme.includes(generated.stdout.trim()),
    'README.md is out of date: run `npm run build && node scripts/update-readme.js`',
  );
});
