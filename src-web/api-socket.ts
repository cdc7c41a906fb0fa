import type { RawData, WebSocket } from 'ws';
import { requestIdSchema, webRequestFrameSchema, type ApiEnvelope, type WebFrame } from '../src-shared/api';
import { errorMessage } from '../src-shared/error-message';
import type { AdmitRequest } from '../src-shared/request-budget';
import { describeIssues } from '../src-shared/trainer-protocol';
import type { WorkbenchService } from '../src-services/api/workbench-service';
import { jsonNestedDeeperThan } from './json-depth';

export type ApiService = Pick<WorkbenchService, 'subscribe' | 'handle'>;

export interface ApiSocketLimits {
  readonly maxDepth: number;
  readonly maxUnsentBytes: number;
}

/** Close codes of RFC 6455 section 7.4.1. */
const UNSUPPORTED_DATA = 1003;
const INVALID_PAYLOAD = 1007;
const POLICY_VIOLATION = 1008;

function bytesOf(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

function idOf(frame: unknown): number | undefined {
  if (typeof frame !== 'object' || frame === null || !('id' in frame)) return undefined;
  const id = requestIdSchema.safeParse(frame.id);
  return id.success ? id.data : undefined;
}

/**
 * One authenticated API connection: JSON text frames `{id, method, params}` in, `{id, envelope}` answers and
 * `{event}` pushes out. A frame the host cannot serve gets an error answer (when it names its id) or closes
 * the socket with a reason; nothing a client sends can throw out of here and take the host down.
 */
export function serveApiSocket(ws: WebSocket, service: ApiService, admit: AdmitRequest, limits: ApiSocketLimits): void {
  const close = (code: number, reason: string): void => {
    // A close reason is at most 123 bytes (these are ASCII).
    if (ws.readyState === ws.OPEN) ws.close(code, reason.slice(0, 123));
  };
  const send = (frame: WebFrame): void => {
    if (ws.readyState !== ws.OPEN) return;
    // A client that does not read would make the host buffer every answer and event for it.
    if (ws.bufferedAmount > limits.maxUnsentBytes) {
      close(POLICY_VIOLATION, `client not reading: over ${Math.round(limits.maxUnsentBytes / 1048576)} MB of answers and events unsent`);
      return;
    }
    let text: string;
    try {
      text = JSON.stringify(frame);
    } catch (error) {
      if (!('id' in frame)) return;
      text = JSON.stringify({ id: frame.id, envelope: { ok: false, error: `the answer could not be encoded: ${errorMessage(error)}` } });
    }
    ws.send(text);
  };

  const unsubscribe = service.subscribe((event) => send({ event }));
  ws.on('close', unsubscribe);
  // ws has already failed the connection with the matching close code (1002 protocol error, 1007 invalid
  // UTF-8, 1009 too big, 1008 too many fragments); without this listener the error would kill the host.
  ws.on('error', () => undefined);

  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) return close(UNSUPPORTED_DATA, 'binary frames are not supported: send each request as a JSON text frame');
    const bytes = bytesOf(data);
    if (jsonNestedDeeperThan(bytes, limits.maxDepth)) return close(POLICY_VIOLATION, `request refused: its JSON nests deeper than ${limits.maxDepth} levels`);
    let frame: unknown;
    try {
      frame = JSON.parse(bytes.toString('utf8'));
    } catch {
      return close(INVALID_PAYLOAD, 'request refused: the frame is not JSON');
    }
    const parsed = webRequestFrameSchema.safeParse(frame);
    if (!parsed.success) {
      const id = idOf(frame);
      if (id === undefined) return close(POLICY_VIOLATION, 'request refused: a frame must be {"id": number, "method": string, "params": ...}');
      return send({ id, envelope: { ok: false, error: `invalid request frame: ${describeIssues(parsed.error)}` } });
    }
    const { id, method, params } = parsed.data;
    const admission = admit(bytes.length);
    if (!admission.ok) return send({ id, envelope: { ok: false, error: admission.error } });
    void service
      .handle(method, params)
      .then(
        (envelope) => envelope,
        (error: unknown): ApiEnvelope => ({ ok: false, error: errorMessage(error) }),
      )
      .then((envelope) => {
        admission.release();
        send({ id, envelope });
      });
  });
}
