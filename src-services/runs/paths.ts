import { homedir } from 'node:os';
import { join } from 'node:path';

/** Electron names the data folder after productName; headless tools use the same folder so runs are shared. */
const PRODUCT_NAME = 'Backprop Workbench';

/** Electron's app.getPath('userData') for this app, computed without Electron. */
function defaultUserDataDirectory(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), PRODUCT_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', PRODUCT_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), PRODUCT_NAME);
}

/** Where runs live unless --runs-dir or BACKPROP_RUNS_DIR says otherwise. */
export function defaultRunsDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.BACKPROP_RUNS_DIR ?? join(defaultUserDataDirectory(env), 'runs');
}
