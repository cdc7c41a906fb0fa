/**
 * The renderer's Content-Security-Policy: only our own scripts (no eval, no inline script), inline styles for
 * Vue's style bindings, images from data:/blob: (digit canvases), and WebSockets to loopback for web mode.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self' ws://127.0.0.1:*",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
