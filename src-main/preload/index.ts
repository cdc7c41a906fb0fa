import { contextBridge } from 'electron';
import type { BackpropApi } from '../../src-shared/api';

// A sandboxed preload cannot read package.json: main passes the version on the command line.
const versionArgument = process.argv.find((arg) => arg.startsWith('--app-version='));

const api: BackpropApi = {
  platform: process.platform,
  versions: {
    app: versionArgument ? versionArgument.slice('--app-version='.length) : 'unknown',
    electron: process.versions.electron ?? 'unknown',
    node: process.versions.node,
    chrome: process.versions.chrome ?? 'unknown',
  },
};

contextBridge.exposeInMainWorld('backprop', api);
