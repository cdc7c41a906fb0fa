// ws 8.23 takes these server options; @types/ws 8.18 does not declare them yet.
declare module 'ws' {
  namespace WebSocket {
    interface ServerOptions {
      /** How long close() waits for the client's close frame before destroying the socket (ms). */
      closeTimeout?: number | undefined;
      /** Pings answered but not yet flushed before the socket is dropped (a client that pings but never reads). */
      maxPendingAutoPongs?: number | undefined;
    }
  }
}

export {};
