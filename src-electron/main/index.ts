import { app, BrowserWindow, dialog, ipcMain, Menu, screen, session, shell, type IpcMainInvokeEvent } from 'electron';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiEnvelope, WorkbenchEvent } from '../../src-shared/api';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../../src-shared/bridge';
import { errorMessage } from '../../src-shared/error-message';
import { RequestBudget } from '../../src-shared/request-budget';
import { RunStore } from '../../src-services/runs/run-store';
import { RunSupervisor } from '../../src-services/trainers/run-supervisor';
import { WorkbenchService } from '../../src-services/api/workbench-service';
import { CONTENT_SECURITY_POLICY } from '../../src-services/csp';
import { denyPermissions, guardContents } from './guards';
import { checkIpcRequest, IPC_REQUEST_LIMITS } from './ipc-request';
import { menuTemplate } from './menu-template';
import { appPageOf, devToolsAllowed, isAppPage } from './policy';
import { MAX_CONFIG_FILE_BYTES, readSmallTextFile } from './small-file';
import { utilityTrainerFactory } from './utility-trainer';
import { loadWindowState, placeOnDisplays, saveWindowState } from './window-state';

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererFile = join(here, '..', 'renderer', 'index.html');
const devServer = process.env.ELECTRON_RENDERER_URL;
const page = appPageOf({ rendererFile, devServer, isPackaged: app.isPackaged });
const devTools = devToolsAllowed({ isPackaged: app.isPackaged, page, flag: process.env.BACKPROP_DEVTOOLS });
let service: WorkbenchService | undefined;
let mainWindow: BrowserWindow | undefined;

/** Only our own renderer page may call the API: its main frame, not a subframe, not a page it was navigated to. */
function trustedSender(event: IpcMainInvokeEvent): boolean {
  if (!mainWindow || mainWindow.isDestroyed() || event.sender !== mainWindow.webContents) return false;
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && isAppPage(frame.url, page);
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
      webSecurity: true,
      devTools,
    },
  });
  mainWindow = window;
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = undefined;
  });
  window.once('ready-to-show', () => {
    if (state.maximized) window.maximize();
    window.show();
  });
  window.on('close', () => {
    const bounds = window.getNormalBounds();
    // Losing the window's size (a full disk) is no reason to fail the quit.
    void saveWindowState(stateFile, { ...bounds, maximized: window.isMaximized() }).catch(() => undefined);
  });
  // Navigation, new windows and webviews are guarded for every web contents (web-contents-created below).
  const loaded = page.kind === 'dev' && devServer ? window.loadURL(devServer) : window.loadFile(rendererFile);
  loaded.catch((error: unknown) => process.stderr.write(`the workbench page did not load: ${errorMessage(error)}\n`));
  return window;
}

function buildMenu(): void {
  const template = menuTemplate({ command: (action) => send({ type: 'menu', action }), showAbout: () => app.showAboutPanel(), devTools });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/** Asks where to save, then writes there; null when the user cancels. */
async function saveWithDialog(options: Electron.SaveDialogOptions, data: string | Uint8Array): Promise<string | null> {
  const result = mainWindow && !mainWindow.isDestroyed() ? await dialog.showSaveDialog(mainWindow, options) : undefined;
  if (!result?.filePath || result.canceled) return null;
  await writeFile(result.filePath, data);
  return result.filePath;
}

function createService(): WorkbenchService {
  // BACKPROP_RUNS_DIR points every tool (CLI, web host, desktop) at another store, e.g. for tests.
  const runsDirectory = process.env.BACKPROP_RUNS_DIR ?? join(app.getPath('userData'), 'runs');
  const trainerFactory = utilityTrainerFactory();
  const supervisor = new RunSupervisor(new RunStore(runsDirectory, app.getVersion(), undefined, { holder: 'the desktop app' }), trainerFactory, { reuseTrainers: true });
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
        const result = mainWindow && !mainWindow.isDestroyed() ? await dialog.showOpenDialog(mainWindow, { properties: ['openFile'], filters: jsonFilters }) : undefined;
        const path = result?.filePaths[0];
        if (!path || result.canceled) return null;
        return { path, text: await readSmallTextFile(path, MAX_CONFIG_FILE_BYTES, 'a network config') };
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

  // Every web contents, the main window's included, stays on the workbench page.
  app.on('web-contents-created', (_event, contents) => guardContents(contents, page));

  void app
    .whenReady()
    .then(async () => {
      denyPermissions(session.defaultSession);
      session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
        callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
      });
      app.setAboutPanelOptions({ applicationName: 'Backprop Workbench', applicationVersion: app.getVersion() });
      buildMenu();
      const workbench = createService();
      service = workbench;
      await workbench.start();
      workbench.subscribe(send);
      // One window: its requests share one budget, so a runaway renderer cannot queue unbounded work here.
      const admit = new RequestBudget(IPC_REQUEST_LIMITS).client();
      ipcMain.handle(IPC_INVOKE_CHANNEL, async (event, method: unknown, params: unknown): Promise<ApiEnvelope> => {
        if (!trustedSender(event)) return { ok: false, error: 'request refused: it did not come from the workbench window' };
        const request = checkIpcRequest(method, params);
        if (!request.ok) return { ok: false, error: request.error };
        const admission = admit(request.bytes);
        if (!admission.ok) return { ok: false, error: admission.error };
        try {
          return await workbench.handle(request.method, params);
        } finally {
          admission.release();
        }
      });
      await createWindow();
      app.on('activate', () => {
        if (BrowserWindow.getAllWindows().length === 0) createWindow().catch((error: unknown) => dialog.showErrorBox('Backprop Workbench', errorMessage(error)));
      });
    })
    .catch((error: unknown) => {
      dialog.showErrorBox('Backprop Workbench could not start', errorMessage(error));
      app.exit(1);
    });

  app.on('before-quit', () => {
    void service?.shutdown().catch((error: unknown) => process.stderr.write(`shutdown: ${errorMessage(error)}\n`));
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
