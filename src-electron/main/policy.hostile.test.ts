import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { menuTemplate } from './menu-template';
import { appPageOf, devToolsAllowed, externalLinkAllowed, isAppPage, navigationAllowed, type AppPage } from './policy';

const rendererFile = '/opt/Backprop Workbench/resources/app/out/renderer/index.html';
const filePage = appPageOf({ rendererFile, devServer: undefined, isPackaged: true });
const devPage = appPageOf({ rendererFile, devServer: 'http://localhost:5173/', isPackaged: false });

describe('Electron main: which page is the workbench', () => {
  it('is the built file when packaged, even if ELECTRON_RENDERER_URL is set', () => {
    expect(filePage).toEqual({ kind: 'file', href: pathToFileURL(rendererFile).href });
    expect(appPageOf({ rendererFile, devServer: 'http://localhost:5173/', isPackaged: true })).toEqual(filePage);
  });

  it('is the dev server unpackaged, only on http(s) to loopback', () => {
    expect(devPage).toEqual({ kind: 'dev', origin: 'http://localhost:5173' });
    for (const devServer of ['https://evil.example/', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url', 'http://localhost.evil.example:5173/']) {
      expect(appPageOf({ rendererFile, devServer, isPackaged: false }), devServer).toEqual(filePage);
    }
  });

  it('trusts the dev server by exact origin, not by prefix', () => {
    expect(isAppPage('http://localhost:5173/', devPage)).toBe(true);
    expect(isAppPage('http://localhost:5173/index.html?x#runs', devPage)).toBe(true);
    for (const url of ['http://localhost:51730/', 'http://localhost:5173.evil.example/', 'http://localhost:5173@evil.example/', 'https://localhost:5173/', 'http://127.0.0.1:5173/', 'about:blank', '', '%']) {
      expect(isAppPage(url, devPage), url).toBe(false);
    }
  });

  it('trusts the built file by its exact path, with any query or hash', () => {
    const href = pathToFileURL(rendererFile).href;
    expect(isAppPage(href, filePage)).toBe(true);
    expect(isAppPage(`${href}?token=1#draw`, filePage)).toBe(true);
    for (const url of [`${href}.evil`, href.replace('index.html', 'other.html'), href.replace('file:///', 'file://evil/'), 'file:///etc/passwd', 'http://localhost:5173/']) {
      expect(isAppPage(url, filePage), url).toBe(false);
    }
  });
});

describe('Electron main: navigation, links and DevTools', () => {
  const pages: ReadonlyArray<readonly [string, AppPage, string]> = [
    ['file', filePage, pathToFileURL(rendererFile).href],
    ['dev', devPage, 'http://localhost:5173/'],
  ];

  it.each(pages)('the %s page may go to itself (main frame) and nowhere else; subframes go nowhere', (_kind, page, self) => {
    expect(navigationAllowed(`${self}#runs`, true, page)).toBe(true);
    expect(navigationAllowed(self, false, page)).toBe(false);
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'data:text/html,<script>1</script>', 'javascript:alert(1)', 'chrome://settings']) {
      expect(navigationAllowed(url, true, page), url).toBe(false);
    }
  });

  it('opens only the project\'s own links in the system browser', () => {
    expect(externalLinkAllowed('https://creativecommons.org/licenses/by-sa/3.0/')).toBe(true);
    for (const url of [
      'https://evil.example/',
      'https://creativecommons.org/licenses/by-sa/3.0/../../evil',
      'https://creativecommons.org.evil.example/licenses/by-sa/3.0/',
      'https://user:pw@creativecommons.org/licenses/by-sa/3.0/',
      'http://creativecommons.org/licenses/by-sa/3.0/',
      'file:///etc/passwd',
      'smb://host/share',
      'ms-msdt:/id PCWDiagnostic',
      '',
    ]) {
      expect(externalLinkAllowed(url), url).toBe(false);
    }
  });

  it('offers DevTools only while developing, never in a packaged app', () => {
    expect(devToolsAllowed({ isPackaged: true, page: devPage, flag: '1' })).toBe(false);
    expect(devToolsAllowed({ isPackaged: false, page: filePage, flag: undefined })).toBe(false);
    expect(devToolsAllowed({ isPackaged: false, page: filePage, flag: '1' })).toBe(true);
    expect(devToolsAllowed({ isPackaged: false, page: devPage, flag: undefined })).toBe(true);
    const roles = (devTools: boolean): unknown[] =>
      menuTemplate({ command: () => undefined, showAbout: () => undefined, devTools }).flatMap((menu) => (Array.isArray(menu.submenu) ? menu.submenu.map((item) => item.role) : []));
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(true)).toContain('toggleDevTools');
  });
});
