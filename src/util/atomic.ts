/**
 * Crash-safe writes. A file or a whole folder is written under a temporary
 * name in the same parent folder (so the final `rename` never crosses a file
 * system), flushed to disk, and only then renamed into place. A reader sees
 * the old version or the new one, never a torn mix.
 *
 * Temporary names, all hidden and in the parent folder of the target:
 *   file   `.<name>.<pid>.<random>.tmp`
 *   folder `.<name>.tmp-<pid>-<random>`  (being filled; incomplete)
 *          `.<name>.old-<pid>-<random>`  (the previous version, complete)
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

/**
 * Writes `data` to `file` atomically: a temporary file beside it, fsync,
 * rename over the target, fsync of the folder. Creates missing parent folders.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const dir = path.dirname(file);
  await fsp.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${nonce()}.tmp`);
  try {
    const handle = await fsp.open(tmp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

/** `writeFileAtomic` for synchronous callers (constructors, exit handlers). */
export function writeFileAtomicSync(file: string, data: Uint8Array | string): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${nonce()}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'wx');
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  const dirFd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}

/**
 * Replaces the folder `finalDir` with a new one that `fill` writes, so that a
 * crash at any moment leaves a complete folder: the old one or the new one.
 *
 * The swap, in order:
 *   1. `fill(tmp)` writes the new folder as `.<name>.tmp-*`; then every file
 *      in it and the folder itself are fsynced. A crash here leaves `finalDir`
 *      untouched and an incomplete `.tmp-*`, which the next call deletes.
 *   2. rename `finalDir` -> `.<name>.old-*` (skipped when there is no old one).
 *   3. rename `.tmp-*` -> `finalDir`, fsync the parent folder.
 *      POSIX has no atomic swap of two non-empty folders, so between 2 and 3
 *      `finalDir` is briefly missing. The old version is then complete under
 *      `.old-*`: `resolveDir` reads it from there and the next call renames it
 *      back before doing anything else.
 *   4. delete `.old-*`.
 * Leftovers are only cleaned when the process that made them is gone, so two
 * processes never delete each other's work in progress.
 */
export async function replaceDirAtomic(
  finalDir: string,
  fill: (tmpDir: string) => Promise<void>,
): Promise<void> {
  const parent = path.dirname(finalDir);
  const name = path.basename(finalDir);
  await fsp.mkdir(parent, { recursive: true });
  recoverDir(finalDir);

  const id = `${process.pid}-${nonce()}`;
  const tmp = path.join(parent, `.${name}.tmp-${id}`);
  const old = path.join(parent, `.${name}.old-${id}`);
  await fsp.mkdir(tmp);
  try {
    await fill(tmp);
    await syncTree(tmp);
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw err;
  }

  const hadOld = fs.existsSync(finalDir);
  if (hadOld) await fsp.rename(finalDir, old);
  try {
    await fsp.rename(tmp, finalDir);
  } catch (err) {
    if (hadOld) await fsp.rename(old, finalDir);
    await fsp.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  await syncDir(parent);
  if (hadOld) await fsp.rm(old, { recursive: true, force: true });
}

/**
 * The folder to read `finalDir` from: `finalDir` itself, or, when a crash hit
 * between steps 2 and 3 of `replaceDirAtomic`, the complete previous version
 * left under `.<name>.old-*`. `null` when neither exists. Never modifies
 * anything, so readers cannot race a writer.
 */
export function resolveDir(finalDir: string): string | null {
  if (fs.existsSync(finalDir)) return finalDir;
  const old = leftovers(finalDir).filter((l) => l.kind === 'old');
  return old.length > 0 ? newest(old).path : null;
}

/**
 * Repairs what a crashed `replaceDirAtomic` left beside `finalDir`: restores a
 * complete `.old-*` when `finalDir` is missing, then deletes the leftovers of
 * processes that no longer run. Synchronous so it can run anywhere.
 */
export function recoverDir(finalDir: string): void {
  // Our own pid cannot be mid-swap here (swaps of one folder do not overlap
  // in a process), and in containers a restarted run often gets the pid of
  // the one that crashed: its leftovers are stale too.
  const stale = leftovers(finalDir).filter((l) => l.pid === process.pid || !processAlive(l.pid));
  const old = stale.filter((l) => l.kind === 'old');
  if (!fs.existsSync(finalDir) && old.length > 0) {
    const restore = newest(old);
    fs.renameSync(restore.path, finalDir);
    stale.splice(stale.indexOf(restore), 1);
  }
  for (const l of stale) fs.rmSync(l.path, { recursive: true, force: true });
}

interface Leftover {
  path: string;
  kind: 'tmp' | 'old';
  pid: number;
}

function leftovers(finalDir: string): Leftover[] {
  const parent = path.dirname(finalDir);
  const prefix = `.${path.basename(finalDir)}.`;
  let entries: string[];
  try {
    entries = fs.readdirSync(parent);
  } catch {
    return [];
  }
  const found: Leftover[] = [];
  for (const e of entries) {
    if (!e.startsWith(prefix)) continue;
    const m = /^(tmp|old)-(\d+)-[0-9a-f]+$/.exec(e.slice(prefix.length));
    if (m) found.push({ path: path.join(parent, e), kind: m[1] as 'tmp' | 'old', pid: +m[2] });
  }
  return found;
}

function newest(list: Leftover[]): Leftover {
  const mtime = (l: Leftover) => fs.statSync(l.path).mtimeMs;
  return list.reduce((a, b) => (mtime(b) > mtime(a) ? b : a));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function nonce(): string {
  return randomBytes(6).toString('hex');
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync every file and folder below `dir`, whatever wrote them. */
async function syncTree(dir: string): Promise<void> {
  for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      await syncTree(p);
    } else if (entry.isFile()) {
      const handle = await fsp.open(p, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  }
  await syncDir(dir);
}
