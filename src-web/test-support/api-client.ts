import { WebSocket } from 'ws';
import type { ApiEnvelope, WebFrame, WorkbenchEvent } from '../../src-shared/api';

/**
 * For tests: a client of the web host's WebSocket API over a real socket. Numbered requests (with the order
 * their answers arrive in) and the pushed events, each awaitable as it arrives.
 */
export class ApiClient {
  readonly events: WorkbenchEvent[] = [];
  /** Request ids in the order their answers arrived. */
  readonly answered: number[] = [];
  private readonly waiters = new Map<number, (envelope: ApiEnvelope) => void>();
  private readonly eventWaiters: Array<{ predicate: (event: WorkbenchEvent) => boolean; resolve: (event: WorkbenchEvent) => void }> = [];
  private next = 1;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as WebFrame;
      if ('event' in frame) {
        this.arrived(frame.event);
      } else {
        this.answered.push(frame.id);
        this.waiters.get(frame.id)?.(frame.envelope);
      }
    });
  }

  /** Connects; refused upgrades reject with their HTTP status. */
  static open(url: string, headers: Record<string, string> = {}): Promise<ApiClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers });
      socket.once('open', () => resolve(new ApiClient(socket)));
      socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
      socket.once('error', reject);
    });
  }

  /** Sends a request now; `answer` resolves with its envelope. */
  send(method: string, params: unknown = {}): { id: number; answer: Promise<ApiEnvelope> } {
    const id = this.next++;
    const answer = new Promise<ApiEnvelope>((resolve) => this.waiters.set(id, resolve));
    this.socket.send(JSON.stringify({ id, method, params }));
    return { id, answer };
  }

  call(method: string, params: unknown = {}): Promise<ApiEnvelope> {
    return this.send(method, params).answer;
  }

  /** The value of a call that must succeed. */
  async value<T>(method: string, params: unknown = {}): Promise<T> {
    const envelope = await this.call(method, params);
    if (!envelope.ok) throw new Error(envelope.error);
    return envelope.value as T;
  }

  /** The error of a call that must fail. */
  async error(method: string, params: unknown = {}): Promise<string> {
    const envelope = await this.call(method, params);
    if (envelope.ok) throw new Error(`${method} succeeded; it should have been refused`);
    return envelope.error;
  }

  /** The first event that matches, already arrived or yet to come (the test's timeout bounds the wait). */
  until(predicate: (event: WorkbenchEvent) => boolean): Promise<WorkbenchEvent> {
    const found = this.events.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.eventWaiters.push({ predicate, resolve }));
  }

  private arrived(event: WorkbenchEvent): void {
    this.events.push(event);
    for (const waiter of this.eventWaiters.filter((w) => w.predicate(event))) {
      this.eventWaiters.splice(this.eventWaiters.indexOf(waiter), 1);
      waiter.resolve(event);
    }
  }
}
