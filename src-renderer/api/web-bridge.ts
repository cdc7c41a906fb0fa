import type { ApiEnvelope, WebFrame, WorkbenchEvent } from '../../src-shared/api';
import type { BackpropBridge } from '../../src-shared/bridge';
import { API_SOCKET_PATH, SESSION_TOKEN_PARAMETER, sessionQuery, sessionTokenOf } from '../../src-shared/web-session';

/**
 * Web mode's bridge: the same BackpropBridge the desktop preload exposes, over the web host's WebSocket.
 * The session token comes from the page URL that `npm run web` printed.
 */
export function webBridgeFromLocation(location: Location): Promise<BackpropBridge> {
  const token = sessionTokenOf(location.search);
  if (!token) {
    return Promise.reject(new Error(`This page needs the session token: open the full URL that "npm run web" printed (it ends in ?${SESSION_TOKEN_PARAMETER}=…).`));
  }
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${API_SOCKET_PATH}${sessionQuery(token)}`;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const pending = new Map<number, (envelope: ApiEnvelope) => void>();
    const listeners = new Set<(event: WorkbenchEvent) => void>();
    let next = 1;
    let opened = false;
    socket.addEventListener('message', (message: MessageEvent<string>) => {
      const frame = JSON.parse(message.data) as WebFrame;
      if ('event' in frame) for (const listener of listeners) listener(frame.event);
      else {
        pending.get(frame.id)?.(frame.envelope);
        pending.delete(frame.id);
      }
    });
    socket.addEventListener('close', (event: CloseEvent) => {
      if (!opened) {
        reject(new Error('The web host refused the connection: the token is wrong, too many tabs are open, or the host has stopped. Open the URL "npm run web" printed.'));
      }
      // The host names why it closed a connection (a frame it refused, a tab that stopped reading).
      const why = event.reason ? ` (${event.reason})` : '';
      for (const answer of pending.values()) answer({ ok: false, error: `the connection to the web host was lost${why}: is "npm run web" still running?` });
      pending.clear();
      for (const listener of listeners) listener({ type: 'log', runId: '', level: 'error', message: `Connection to the web host lost${why}. Restart "npm run web" if it stopped, and reload this page.` });
    });
    socket.addEventListener('open', () => {
      opened = true;
      resolve({
        mode: 'web',
        invoke(method, params) {
          if (socket.readyState !== WebSocket.OPEN) return Promise.resolve({ ok: false, error: 'not connected to the web host' });
          const id = next++;
          return new Promise<ApiEnvelope>((answer) => {
            pending.set(id, answer);
            socket.send(JSON.stringify({ id, method, params }));
          });
        },
        onEvent(listener) {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      });
    });
  });
}
