import { shell, type Session, type WebContents } from 'electron';
import { externalLinkAllowed, navigationAllowed, type AppPage } from './policy';

/**
 * Denies every permission a page can ask for (camera, microphone, notifications, clipboard reads, HID,
 * serial, USB, geolocation…): the workbench uses none, so a compromised or navigated page gets none either.
 */
export function denyPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

/**
 * Keeps a web contents on the workbench page: a navigation, a frame navigation or a redirect anywhere else
 * is cancelled, no window opens (the project's own links go to the system browser), no webview attaches.
 */
export function guardContents(contents: WebContents, page: AppPage): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (externalLinkAllowed(url)) void shell.openExternal(url).catch(() => undefined);
    return { action: 'deny' };
  });
  const keepOnPage = (event: { readonly url: string; readonly isMainFrame: boolean; preventDefault(): void }): void => {
    if (!navigationAllowed(event.url, event.isMainFrame, page)) event.preventDefault();
  };
  contents.on('will-navigate', keepOnPage);
  contents.on('will-frame-navigate', keepOnPage);
  contents.on('will-redirect', keepOnPage);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
