import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { _electron, test as base, type ElectronApplication, type Page, type TestInfo } from '@playwright/test';

export const WEB_TOKEN = 'e2e-session-token-0123456789';

/**
 * The Electron binary, if one is installed. Not `require('electron')`: without a binary that call starts a
 * download, which this project's machines cannot make.
 */
export function electronBinary(): string | undefined {
  const dir = resolve('node_modules/electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : undefined;
}

export const NO_ELECTRON_REASON =
  'no Electron binary installed (node_modules/electron has no dist/: its download is blocked on this machine), so the desktop project is skipped; the web project runs the same specs';

interface Fixtures {
  /** The workbench page: the web host in Chromium, or the desktop app's window. */
  app: Page;
}

interface WorkerFixtures {
  electronApp: ElectronApplication | undefined;
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  electronApp: [
    async ({}, use, workerInfo) => {
      if (workerInfo.project.name !== 'electron') return use(undefined);
      const executablePath = electronBinary();
      if (!executablePath) return use(undefined);
      const app = await _electron.launch({ executablePath, args: ['.'], env: { ...process.env, BACKPROP_RUNS_DIR: resolve('test-results/e2e-electron-runs') } });
      await use(app);
      await app.close();
    },
    { scope: 'worker' },
  ],
  app: async ({ page, electronApp }, use, testInfo) => {
    if (testInfo.project.name === 'electron') {
      test.skip(!electronApp, NO_ELECTRON_REASON);
      await use(await electronApp!.firstWindow());
      return;
    }
    await page.goto(`/?token=${WEB_TOKEN}`);
    await use(page);
  },
});

export { expect } from '@playwright/test';

/** Keeps a screenshot of a view as a test artifact: test-results/e2e/screenshots/<name>.png (web project). */
export async function screenshotView(page: Page, testInfo: TestInfo, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  const prefix = testInfo.project.name === 'web' ? '' : `${testInfo.project.name}-`;
  const path = join(testInfo.project.outputDir, 'screenshots', `${prefix}${name}.png`);
  await page.screenshot({ path, ...options });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}
