#!/usr/bin/env node
// `npm run screenshots`: copies the screenshots the last end-to-end run took (test-results/e2e/screenshots,
// web project) into docs/screenshots, and the Train view's as the README's hero image. Run it after `npm test`
// (or `npx playwright test`); it refuses to copy a partial set, so the docs never mix two versions.
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const from = join('test-results', 'e2e', 'screenshots');
const to = join('docs', 'screenshots');
const views = ['network', 'train', 'runs', 'draw', 'gradient-check', 'graph', 'sweeps', 'inspect'];
const taken = existsSync(from) ? readdirSync(from).filter((name) => name.endsWith('.png') && !name.startsWith('electron-')) : [];
const missing = views.filter((view) => !taken.includes(`${view}.png`));
if (missing.length > 0) {
  console.error(`error: ${from} lacks ${missing.map((v) => `${v}.png`).join(', ')}: run the end-to-end tests first (npx playwright test)`);
  process.exit(1);
}
mkdirSync(to, { recursive: true });
for (const name of taken) copyFileSync(join(from, name), join(to, name));
copyFileSync(join(from, 'train.png'), join('docs', 'screenshot.png'));
console.log(`copied ${taken.length} screenshots to ${to} (${taken.join(', ')}); docs/screenshot.png is train.png`);
