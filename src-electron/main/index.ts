import { app, BrowserWindow, dialog, ipcMain, Menu, screen, session, shell, type IpcMainInvokeEvent } from 'electron';
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ApiEnvelope, MenuAction, WorkbenchEvent } from '../../src-shared/api';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../../src-shared/bridge';
import { RunStore } from '../../src-services/runs/run-store';
import { RunSupervisor } from '../../src-services/trainers/run-supervisor';
import { WorkbenchService } from '../../src-services/api/workbench-service';
import { CONTENT_SECURITY_POLICY } from '../../src-services/csp';
import { utilityTrainerFactory } from './utility-trainer';
import { loadWindowState, placeOnDisplays, saveWindowState } from './window-state';

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererFile = join(here, '..', 'renderer', 'index.html');
let service: WorkbenchService | undefined;
let mainWindow: BrowserWindow | undefined;

/** Only our own renderer page may call the API: not another frame, not a page it was navigated to. */
function trustedSender(event: IpcMainInvokeEvent): boolean {
  if (!mainWindow || event.sender !== mainWindow.webContents) return false;
  const url = event.senderFrame?.url ?? '';
  const devServer = process.env.ELECTRON_RENDERER_URL;
  if (devServer) return url.startsWith(devServer);
  return url.split(/[?#]/)[0] === pathToFileURL(rendererFile).href;
}

function send(event: WorkbenchEvent): void {
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(IPC_EVENT_CHANNEL, event);
}

async function createWindow(): Promise<BrowserWindow> {
  const stateFile = join(app.getPath('userData'), 'window-state.json');
  const state = placeOnDisplays(await loadWindowState(stateFile), screen.getAllDisplays().map((d) => d.workArea));
  const window = new BrowserWindow({
    title: 'Backprop Workbench',
    ...state,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    webPreferences: {
      preload: join(here, '..', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  mainWindow = window;
  window.once('ready-to-show', () => {
    if (state.maximized) window.maximize();
    window.show();
  });
  window.on('close', () => {
    const bounds = window.getNormalBounds();
    void saveWindowState(stateFile, { ...bounds, maximized: window.isMaximized() });
  });
  // The renderer never navigates away or opens windows; links go to the system browser.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (url !== window.webContents.getURL()) event.preventDefault();
  });
  const devServer = process.env.ELECTRON_RENDERER_URL;
  if (devServer) void window.loadURL(devServer);
  else void window.loadFile(rendererFile);
  return window;
}

function buildMenu(): void {
  const menu = (action: MenuAction) => () => send({ type: 'menu', action });
  const template: Electron.MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        { label: 'Open Config…', accelerator: 'CmdOrCtrl+O', click: menu('open-config') },
        { label: 'Save Config…', accelerator: 'CmdOrCtrl+S', click: menu('save-config') },
        { label: 'Export Run to ONNX…', accelerator: 'CmdOrCtrl+E', click: menu('export-onnx') },
        { label: 'Export Run Metrics (CSV)…', accelerator: 'CmdOrCtrl+Shift+E', click: menu('export-run') },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    {
      label: 'View',
      submenu: [
        { label: 'Network', accelerator: 'CmdOrCtrl+1', click: menu('show-network') },
        { label: 'Train', accelerator: 'CmdOrCtrl+2', click: menu('show-train') },
        { label: 'Runs', accelerator: 'CmdOrCtrl+3', click: menu('show-runs') },
        { label: 'Draw', accelerator: 'CmdOrCtrl+4', click: menu('show-draw') },
        { label: 'Gradient Check', accelerator: 'CmdOrCtrl+5', click: menu('show-gradient-check') },
        { label: 'Graph', accelerator: 'CmdOrCtrl+6', click: menu('show-graph') },
        { label: 'Sweeps', accelerator: 'CmdOrCtrl+7', click: menu('show-sweeps') },
        { type: 'separator' },
        { role: 'reload' },
        { role: 'toggleDevTools' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'help', submenu: [{ label: 'About Backprop Workbench', click: () => app.showAboutPanel() }] },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/** Asks where to save, then writes there; null when the user cancels. */
async function saveWithDialog(options: Electron.SaveDialogOptions, data: string | Uint8Array): Promise<string | null> {
  const result = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : undefined;
  if (!result?.filePath || result.canceled) return null;
  await writeFile(result.filePath, data);
  return result.filePath;
}

function createService(): WorkbenchService {
  // BACKPROP_RUNS_DIR points every tool (CLI, web host, desktop) at another store, e.g. for tests.
  const runsDirectory = process.env.BACKPROP_RUNS_DIR ?? join(app.getPath('userData'), 'runs');
  const trainerFactory = utilityTrainerFactory();
  const supervisor = new RunSupervisor(new RunStore(runsDirectory, app.getVersion()), trainerFactory);
  const jsonFilters = [{ name: 'Network config', extensions: ['json'] }];
  return new WorkbenchService({
    supervisor,
    trainerFactory,
    info: {
      mode: 'desktop',
      platform: process.platform,
      cores: availableParallelism(),
      runsDirectory: supervisor.store.root,
      versions: { app: app.getVersion(), node: process.versions.node, electron: process.versions.electron, chrome: process.versions.chrome },
    },
    hooks: {
      openFolder: async (path) => (await shell.openPath(path)) === '',
      openConfigDialog: async () => {
        const result = mainWindow ? await dialog.showOpenDialog(mainWindow, { properties: ['openFile'], filters: jsonFilters }) : undefined;
        const path = result?.filePaths[0];
        if (!path || result.canceled) return null;
        return { path, text: await readFile(path, 'utf8') };
      },
      saveModelDialog: (suggestedName, model) =>
        saveWithDialog({ title: 'Save the ONNX model', defaultPath: suggestedName, filters: [{ name: 'ONNX model', extensions: ['onnx'] }] }, model),
      saveConfigDialog: (suggestedName, text) => saveWithDialog({ defaultPath: suggestedName, filters: jsonFilters }, text),
    },
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });

  void app.whenReady().then(async () => {
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
    });
    app.setAboutPanelOptions({ applicationName: 'Backprop Workbench', applicationVersion: app.getVersion() });
    buildMenu();
    const workbench = createService();
    service = workbench;
    await workbench.start();
    workbench.subscribe(send);
    ipcMain.handle(IPC_INVOKE_CHANNEL, async (event, method: unknown, params: unknown): Promise<ApiEnvelope> => {
      if (!trustedSender(event)) return { ok: false, error: 'request refused: it did not come from the workbench window' };
      if (typeof method !== 'string') return { ok: false, error: 'request refused: the method must be a string' };
      return workbench.handle(method, params);
    });
    await createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) void createWindow();
    });
  });

  app.on('before-quit', () => {
    void service?.shutdown();
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
