import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { WorkbenchEvent } from '../../src-shared/api';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, type BackpropBridge } from '../../src-shared/bridge';

// The one object the renderer gets. Main validates every request; nothing else of Electron crosses the bridge.
const bridge: BackpropBridge = {
  mode: 'desktop',
  // Main answers every invoke with an ApiEnvelope (WorkbenchService.handle, or a refusal of the same shape).
  invoke: (method, params) => ipcRenderer.invoke(IPC_INVOKE_CHANNEL, method, params),
  onEvent: (listener) => {
    const forward = (_event: IpcRendererEvent, payload: WorkbenchEvent): void => listener(payload);
    ipcRenderer.on(IPC_EVENT_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, forward);
    };
  },
};

contextBridge.exposeInMainWorld('backprop', bridge);
