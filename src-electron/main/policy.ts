import { pathToFileURL } from 'node:url';

/**
 * What the desktop app trusts, as pure functions (no Electron import, so they are unit-tested): which page
 * is the workbench, where it may navigate, which links open in the system browser, when DevTools exist.
 */

/** The workbench page: the built file, or (unpackaged, `electron-vite dev`) the dev server's origin. */
export type AppPage = { readonly kind: 'file'; readonly href: string } | { readonly kind: 'dev'; readonly origin: string };

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function parsed(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * The page to load. A packaged app always loads its own file: ELECTRON_RENDERER_URL would otherwise let
 * anyone who can set an environment variable load any page with the workbench API behind it. Unpackaged,
 * the dev server is honoured only on http(s) to loopback.
 */
export function appPageOf(options: { readonly rendererFile: string; readonly devServer: string | undefined; readonly isPackaged: boolean }): AppPage {
  const dev = options.devServer && !options.isPackaged ? parsed(options.devServer) : null;
  if (dev && (dev.protocol === 'http:' || dev.protocol === 'https:') && LOOPBACK_HOSTS.has(dev.hostname)) return { kind: 'dev', origin: dev.origin };
  return { kind: 'file', href: pathToFileURL(options.rendererFile).href };
}

/** Whether a URL is the workbench page: the same origin exactly (not a prefix), or the same file. */
export function isAppPage(url: string, page: AppPage): boolean {
  const target = parsed(url);
  if (!target) return false;
  if (page.kind === 'dev') return target.origin === page.origin;
  return target.protocol === 'file:' && target.host === '' && `file://${target.pathname}` === page.href;
}

/**
 * Where the window may go: only to the workbench page itself (a reload, a hash change). A subframe may go
 * nowhere (the app has none), and a redirect is a navigation like any other.
 */
export function navigationAllowed(url: string, isMainFrame: boolean, page: AppPage): boolean {
  return isMainFrame && isAppPage(url, page);
}

/**
 * The project's own links, opened in the system browser; any other URL a page asks to open is refused.
 * Exact URLs, not prefixes: a link the app adds is added here.
 */
const EXTERNAL_LINKS: readonly string[] = [
  // The licence of the bundled MNIST (README, Data).
  'https://creativecommons.org/licenses/by-sa/3.0/',
];

export function externalLinkAllowed(url: string): boolean {
  const target = parsed(url);
  return target !== null && target.protocol === 'https:' && target.username === '' && target.password === '' && EXTERNAL_LINKS.includes(target.href);
}

/** DevTools only while developing: under the dev server, or unpackaged with BACKPROP_DEVTOOLS=1. Never packaged. */
export function devToolsAllowed(options: { readonly isPackaged: boolean; readonly page: AppPage; readonly flag: string | undefined }): boolean {
  if (options.isPackaged) return false;
  return options.page.kind === 'dev' || options.flag === '1';
}
