import { tf } from '../../src/engine/tf';

export interface TestBackend {
  name: string;
  /** Why the cases for this backend are skipped, or undefined when they run. */
  skip?: string;
  use(): Promise<void>;
}

/**
 * The backends every model test runs on: the CPU backend (the reference
 * implementation of every kernel) and each faster one that can run here.
 */
export function testBackends(): TestBackend[] {
  return [{ name: 'cpu', use: async () => void (await tf.setBackend('cpu')) }];
}
