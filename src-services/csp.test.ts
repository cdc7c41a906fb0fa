import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, WEB_CONTENT_SECURITY_POLICY } from './csp';

describe('Content-Security-Policy', () => {
  it('allows no eval, no inline script and no plugins', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  it('lets the page connect only to its own origin: no ws: source (the desktop app opens no socket)', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("connect-src 'self';");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/ws:/);
    expect(WEB_CONTENT_SECURITY_POLICY).not.toMatch(/ws:/);
  });

  it('keeps the web page out of other sites\' frames', () => {
    expect(WEB_CONTENT_SECURITY_POLICY.startsWith(CONTENT_SECURITY_POLICY)).toBe(true);
    expect(WEB_CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  });

  it('is the same policy as the renderer page\'s meta tag', () => {
    const html = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'src-renderer', 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
    expect(meta?.[1]).toBe(CONTENT_SECURITY_POLICY);
  });
});
