import { MAX_REQUEST_BYTES, MAX_REQUEST_DEPTH } from '../src-shared/api';
import type { RequestLimits } from '../src-shared/request-budget';

/**
 * Every bound of the web host, decided before it reads or allocates: one client (or a page on another origin
 * that makes the browser connect) can hold at most these resources, and the host stays up for the others.
 */
export interface WebHostLimits {
  /** TCP connections at once (page loads and API sockets); more are closed as they are accepted. */
  readonly maxConnections: number;
  /**
   * API WebSockets at once (one per open tab); more are refused with 503. Each may be receiving one message
   * of up to maxFrameBytes, so this times that is the most the host buffers for incoming messages.
   */
  readonly maxApiSockets: number;
  /** Time to receive a request's headers, and the whole request. */
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /**
   * A page-load connection with no traffic either way for this long is dropped: a client that asks for files
   * and never reads the answers would otherwise hold its connection and buffers for good. (API sockets have
   * no such timeout: an open tab may be quiet for hours.)
   */
  readonly idleSocketTimeoutMs: number;
  /** Request line and headers together. */
  readonly maxHeaderBytes: number;
  readonly maxHeadersCount: number;
  readonly maxRequestsPerConnection: number;
  /** One API message (all its fragments), nesting of its JSON, and fragments per message. */
  readonly maxFrameBytes: number;
  readonly maxDepth: number;
  readonly maxFragments: number;
  /**
   * Answers and events queued for a client that does not read them. Past this the socket is closed with a
   * reason instead of buffering without limit (one answer may still be up to maxFrameBytes on top).
   */
  readonly maxUnsentBytes: number;
  /** After closing a socket, how long to wait for the client's close frame before dropping the connection. */
  readonly closeTimeoutMs: number;
  /** API requests in flight (see RequestBudget). */
  readonly requests: RequestLimits;
}

export const DEFAULT_WEB_HOST_LIMITS: WebHostLimits = {
  maxConnections: 128,
  maxApiSockets: 8,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  idleSocketTimeoutMs: 60_000,
  maxHeaderBytes: 16 * 1024,
  maxHeadersCount: 64,
  maxRequestsPerConnection: 1000,
  maxFrameBytes: MAX_REQUEST_BYTES,
  maxDepth: MAX_REQUEST_DEPTH,
  // Browsers and ws send a message as one frame; a few more allow for other clients, not a flood of them.
  maxFragments: 1024,
  maxUnsentBytes: 16 * 1024 * 1024,
  closeTimeoutMs: 5_000,
  // The renderer has a handful of requests out at once (a view loading its lists); two .onnx imports fit.
  requests: { perClient: 32, total: 128, totalBytes: 2 * MAX_REQUEST_BYTES },
};
