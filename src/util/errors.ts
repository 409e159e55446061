/**
 * Errors a user can fix. The CLI prints `message` as one line (and `hint` on
 * a second line when there is one) and exits non-zero, never with a stack
 * trace. Anything that is not a UserError is a bug and keeps its stack.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** A file that could not be read as an image; data loaders skip it with a warning. */
export class BadImageError extends UserError {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'BadImageError';
  }
}
