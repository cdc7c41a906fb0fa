import { join, resolve } from 'node:path';
import { _electron, test as base, type ElectronApplication, type Page, type TestInfo } from '@playwright/test';
import { electronBinary } from './electron-binary';
import { workbenchPage } from './session';

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
      // The electron project exists only where a binary is installed (playwright.config.ts).
      const executablePath = workerInfo.project.name === 'electron' ? electronBinary() : undefined;
      if (!executablePath) return use(undefined);
      const app = await _electron.launch({ executablePath, args: ['.'], env: { ...process.env, BACKPROP_RUNS_DIR: resolve('test-results/e2e-electron-runs') } });
      await use(app);
      await app.close();
    },
    { scope: 'worker' },
  ],
  app: async ({ page, electronApp }, use) => {
    if (electronApp) {
      await use(await electronApp.firstWindow());
      return;
    }
    await page.goto(workbenchPage());
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
