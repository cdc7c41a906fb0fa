import type { MenuItemConstructorOptions } from 'electron';
import type { MenuAction } from '../../src-shared/api';

export interface MenuOptions {
  /** Sends a menu command to the renderer. */
  readonly command: (action: MenuAction) => void;
  readonly showAbout: () => void;
  /** Whether View offers Toggle Developer Tools (see devToolsAllowed). */
  readonly devTools: boolean;
}

/** The application menu. No Electron import at run time: the template is unit-tested as data. */
export function menuTemplate(options: MenuOptions): MenuItemConstructorOptions[] {
  const menu = (action: MenuAction) => () => options.command(action);
  return [
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
        { label: 'Inspect', accelerator: 'CmdOrCtrl+8', click: menu('show-inspect') },
        { type: 'separator' },
        { role: 'reload' },
        ...(options.devTools ? [{ role: 'toggleDevTools' } as const] : []),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'help', submenu: [{ label: 'About Backprop Workbench', click: options.showAbout }] },
  ];
}
