/**
 * The renderer's Content-Security-Policy: only our own scripts (no eval, no inline script), inline styles for
 * Vue's style bindings, images from data:/blob: (digit canvases), connections only to where the page came from.
 * This is the desktop policy and the page's meta tag: the desktop app opens no socket, so no ws: source.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The web host's header policy: the same, and no framing by other pages (frame-ancestors works only in a
 * header). The API's WebSocket is same-origin, which `'self'` covers (CSP level 3 matches ws: to the page's
 * own host and port), so no ws: source here either.
 */
export const WEB_CONTENT_SECURITY_POLICY = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;
