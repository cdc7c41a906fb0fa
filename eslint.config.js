// Import boundaries between the project's folders (one folder per runtime), checked by `npm test`.
// Only the imports are linted here: the pure engine stays free of Node, zod and the app; the renderer
// reaches its host only through the shared API; nothing but src-electron touches Electron.
import tseslint from 'typescript-eslint';
import vueParser from 'vue-eslint-parser';
import { builtinModules } from 'node:module';

const NODE = { group: ['node:*', ...builtinModules.filter((m) => !m.startsWith('_'))], message: 'uses Node.js: not allowed here' };
const folder = (name, why) => ({ group: [`**/${name}`, `**/${name}/**`], message: why });
const ELECTRON = { name: 'electron', message: 'only src-electron/ may import Electron' };
const RENDERER_LIBS = ['vue', 'pinia', 'vue-echarts', 'echarts'].map((name) => ({ name, message: 'UI libraries belong to src-renderer/' }));

/** The folders a runtime may not import from, each with the reason shown by the lint. */
const not = {
  shared: folder('src-shared', 'the pure engine does not know the app: src-shared may import the engine, not the reverse'),
  services: folder('src-services', 'Node services are not importable from here'),
  trainer: folder('src-trainer', 'the trainer process is started by path, never imported'),
  cli: folder('src-cli', 'the CLI is an entry point, never imported'),
  web: folder('src-web', 'the web host is an entry point, never imported'),
  electron: folder('src-electron', 'the Electron main/preload are entry points, never imported'),
  renderer: folder('src-renderer', 'the renderer is reached through the API, never imported'),
  engine: folder('src-engine', 'the preload carries no engine code'),
};

const boundary = (files, { patterns, paths = [], ignores = [] }) => ({
  files,
  ignores,
  rules: { 'no-restricted-imports': ['error', { paths, patterns }] },
});

const tests = ['**/*.test.ts', '**/*-fixtures.ts', '**/test-support/**'];

export default [
  { ignores: ['node_modules/**', 'out/**', 'native/**', 'test-results/**', 'dist/**'] },
  {
    files: ['**/*.ts', '**/*.mts'],
    languageOptions: { parser: tseslint.parser, sourceType: 'module' },
  },
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module' } },
  },
  boundary(['src-engine/**/*.ts'], {
    ignores: tests,
    paths: [ELECTRON, { name: 'zod', message: 'the pure engine does not validate app input: that is src-shared/' }, ...RENDERER_LIBS],
    patterns: [NODE, not.shared, not.services, not.trainer, not.cli, not.web, not.electron, not.renderer],
  }),
  boundary(['src-shared/**/*.ts'], {
    ignores: tests,
    paths: [ELECTRON, ...RENDERER_LIBS],
    patterns: [NODE, not.services, not.trainer, not.cli, not.web, not.electron, not.renderer],
  }),
  boundary(['src-renderer/**/*.ts', 'src-renderer/**/*.vue'], {
    ignores: tests,
    paths: [ELECTRON],
    patterns: [NODE, not.services, not.trainer, not.cli, not.web, not.electron],
  }),
  boundary(['src-services/**/*.ts'], {
    ignores: tests,
    paths: [ELECTRON, ...RENDERER_LIBS],
    patterns: [not.trainer, not.cli, not.web, not.electron, not.renderer],
  }),
  boundary(['src-trainer/**/*.ts'], { ignores: tests, paths: [ELECTRON, ...RENDERER_LIBS], patterns: [not.cli, not.web, not.electron, not.renderer] }),
  boundary(['src-cli/**/*.ts'], { ignores: tests, paths: [ELECTRON, ...RENDERER_LIBS], patterns: [not.trainer, not.web, not.electron, not.renderer] }),
  boundary(['src-web/**/*.ts'], { ignores: tests, paths: [ELECTRON, ...RENDERER_LIBS], patterns: [not.trainer, not.cli, not.electron, not.renderer] }),
  boundary(['src-electron/main/**/*.ts'], { ignores: tests, paths: RENDERER_LIBS, patterns: [not.trainer, not.cli, not.web, not.renderer] }),
  // The sandboxed preload is bundled alone: it may take only types from src-shared (and the zod-free bridge constants).
  {
    files: ['src-electron/preload/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/src-shared/*', '!**/src-shared/bridge'], allowTypeImports: true, message: 'the sandboxed preload takes only types from src-shared (zod must not reach it)' },
            NODE,
            not.services, not.trainer, not.cli, not.web, not.renderer, not.engine,
          ],
        },
      ],
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
  },
];
