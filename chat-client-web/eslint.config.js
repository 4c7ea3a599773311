// npm run lint: ESLint's recommended rules over the library, the page and the library's tests.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['target/**', 'types/**', 'node_modules/**'] },
  js.configs.recommended,
  {
    files: ['src/main/resources/META-INF/resources/**/*.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.browser } },
  },
  {
    files: ['src/test/js/**/*.mjs', 'eslint.config.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
  },
];
