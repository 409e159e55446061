import { InvalidArgumentError } from 'commander';

/** Commander argument parsers that name the option and what it expects. */
export function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(`Expected an integer ≥ ${min}, got '${value}'.`);
    }
    return n;
  };
}

export function number(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min) {
      throw new InvalidArgumentError(`Expected a number ≥ ${min}, got '${value}'.`);
    }
    return n;
  };
}

/** A number in [0, 1), such as Adam's β1 (1 would make its first step infinite). */
export function fraction(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n >= 1) {
    throw new InvalidArgumentError(`Expected a number in [0, 1), got '${value}'.`);
  }
  return n;
}

/** A size limit: a positive integer, or `inf` for no limit. */
export function limit(value: string): number {
  if (/^inf(inity)?$/i.test(value)) return Infinity;
  return integer(1)(value);
}

export function channels(value: string): 1 | 3 {
  if (value !== '1' && value !== '3') {
    throw new InvalidArgumentError(`Expected 1 (grey) or 3 (RGB), got '${value}'.`);
  }
  return Number(value) as 1 | 3;
}

/**
 * A run name: one folder name inside --checkpoints-dir, so not empty, not `.` or `..`,
 * and without a path separator (a name like `../x` would put the run somewhere else).
 */
export function runName(value: string): string {
  if (value === '' || value === '.' || value === '..' || /[\\/]/.test(value)) {
    throw new InvalidArgumentError(
      `Expected a folder name without / or \\ (the run goes in --checkpoints-dir), got '${value}'.`,
    );
  }
  return value;
}
