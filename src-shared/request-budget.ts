/**
 * How much API work a host accepts at once. A request holds its parsed params (up to MAX_REQUEST_BYTES)
 * until its handler answers, so without a cap one client could queue unbounded work and memory by sending
 * requests faster than they finish. Over the cap a request is answered with an error at once, never queued.
 * No runtime imports: the web host and the Electron main process both use it.
 */

export interface RequestLimits {
  /** Requests of one client (a WebSocket, the desktop window) in flight at once. */
  readonly perClient: number;
  /** Requests of all clients in flight at once. */
  readonly total: number;
  /** Bytes of all in-flight requests (their frames or payloads) at once; at least one largest request. */
  readonly totalBytes: number;
}

type Admission = { readonly ok: true; release(): void } | { readonly ok: false; readonly error: string };

/** Admits one request of a client: a ticket to release when it has been answered, or why it is refused. */
export type AdmitRequest = (bytes: number) => Admission;

function inWords(bytes: number): string {
  return bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KB` : `${Math.round(bytes / (1024 * 1024))} MB`;
}

export class RequestBudget {
  private inFlight = 0;
  private inFlightBytes = 0;

  constructor(readonly limits: RequestLimits) {}

  /** Requests in flight now, over all clients. */
  get active(): number {
    return this.inFlight;
  }

  /** A new client's share of the budget. */
  client(): AdmitRequest {
    let mine = 0;
    return (bytes) => {
      const { perClient, total, totalBytes } = this.limits;
      if (mine >= perClient) {
        return { ok: false, error: `request refused: ${perClient} requests of this connection are still being served; wait for their answers` };
      }
      if (this.inFlight >= total) return { ok: false, error: `request refused: the host is busy serving ${total} requests; try again when they have finished` };
      if (this.inFlightBytes + bytes > totalBytes) {
        return { ok: false, error: `request refused: the host is busy with ${inWords(this.inFlightBytes)} of requests; try again when they have finished` };
      }
      mine++;
      this.inFlight++;
      this.inFlightBytes += bytes;
      let released = false;
      return {
        ok: true,
        release: () => {
          if (released) return;
          released = true;
          mine--;
          this.inFlight--;
          this.inFlightBytes -= bytes;
        },
      };
    };
  }
}
