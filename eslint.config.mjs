// ESLint for the TypeScript sources: the recommended rules of ESLint and
// typescript-eslint. Formatting is prettier's job (npm run lint runs both).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'runs/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Unused arguments named _x are deliberate (kernel signatures).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // require() loads optional or generated modules lazily and by computed path (the
      // native addon, the wasm codecs and thread glue); import() would make those async.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
);
