import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig, type Project } from '@playwright/test';
import { electronBinary, NO_ELECTRON_REASON } from './e2e/electron-binary';
import { WEB_TOKEN } from './e2e/session';

// Playwright's own browser download is not reachable on the project's machines: use the system Chromium
// (Debian's /usr/bin/chromium, installed by .ci/run), or CHROMIUM_PATH.
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The web host the specs drive: `npm run web` with a fixed token and a throwaway run store. */
export const WEB_PORT = Number(process.env.E2E_PORT ?? 4173);
const runsDirectory = resolve('test-results/e2e-runs');
// The config is evaluated again in every worker: only the runner process starts from an empty store.
if (!process.env.TEST_WORKER_INDEX) rmSync(runsDirectory, { recursive: true, force: true });

// The same specs in the desktop app where an Electron binary is installed; elsewhere the project is left out
// and says why (once, from the runner process).
// (runs-at-scale.spec drives a web host of its own.)
const electronProjects: Project[] = electronBinary() ? [{ name: 'electron', testIgnore: /renderer\.spec|runs-at-scale\.spec/ }] : [];
// (`npm test` also lists it in its closing summary: scripts/test-all.mjs passes BACKPROP_E2E_SKIP_FILE.)
if (electronProjects.length === 0 && !process.env.TEST_WORKER_INDEX) {
  console.log(`[electron] skipped: ${NO_ELECTRON_REASON}`);
  if (process.env.BACKPROP_E2E_SKIP_FILE) writeFileSync(process.env.BACKPROP_E2E_SKIP_FILE, NO_ELECTRON_REASON);
}

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/e2e',
  timeout: 120_000,
  expect: { timeout: 15_000 },
  // The specs walk one workbench through a story (train, then see the run, then draw with it): one worker.
  workers: 1,
  fullyParallel: false,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${WEB_PORT}`,
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    launchOptions: {
      ...(existsSync(chromiumPath) ? { executablePath: chromiumPath } : {}),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    command: `node --import tsx src-web/index.ts --port ${WEB_PORT} --token ${WEB_TOKEN} --runs-dir "${runsDirectory}" --concurrency 2`,
    url: `http://127.0.0.1:${WEB_PORT}/`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
  },
  projects: [{ name: 'web', use: { browserName: 'chromium' } }, ...electronProjects],
});
