import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';

// This project keeps one folder per process (src-electron/main, src-electron/preload, src-trainer, src-renderer), so every entry is explicit
// (electron-vite only discovers src/main, src/preload and src/renderer on its own).
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: {
        input: {
          index: resolve('src-electron/main/index.ts'),
          // The trainer process entry, started by utilityProcess.fork from the main bundle.
          'trainer-entry': resolve('src-trainer/trainer-entry.ts'),
          // The ONNX runner process, started by child_process.fork from the main bundle (src-services/onnx/onnx-runner.ts).
          'onnx-runner-entry': resolve('src-services/onnx/runner-entry.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rolldownOptions: {
        input: { index: resolve('src-electron/preload/index.ts') },
        // A sandboxed preload cannot be an ES module.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src-renderer',
    plugins: [vue()],
    build: {
      outDir: resolve('out/renderer'),
      rolldownOptions: { input: { index: resolve('src-renderer/index.html') } },
    },
  },
});
