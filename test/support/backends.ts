import { selectBackend } from '../../src/engine/backend';
import { onednnStatus } from '../../src/engine/onednn';
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
  const onednn = onednnStatus();
  return [
    { name: 'cpu', use: async () => void (await tf.setBackend('cpu')) },
    { name: 'wasm', use: async () => void (await selectBackend({ backend: 'wasm' })) },
    {
      name: 'onednn',
      skip: onednn.available ? undefined : `oneDNN backend not built: ${onednn.reason}`,
      use: async () => void (await selectBackend({ backend: 'onednn' })),
    },
  ];
}
