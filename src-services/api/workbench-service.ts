import type { z } from 'zod';
import { apiRequestSchemas, type ApiEnvelope, type ApiMethod, type ApiParams, type ApiParsedParams, type WorkbenchEvent } from '../../src-shared/api';
import { ConfigError } from '../../src-shared/config';
import { errorMessage } from '../../src-shared/error-message';
import { describeIssues } from '../../src-shared/trainer-protocol';
import { createServiceContext, type ServiceContext, type WorkbenchServiceOptions } from './context';
import { datasetsHandlers } from './datasets';
import { workbenchEventOf } from './events';
import { graphHandlers } from './graph';
import type { Handlers } from './handlers';
import { inspectHandlers } from './inspect';
import { onnxHandlers } from './onnx';
import { runsHandlers } from './runs';
import { sweepsHandlers } from './sweeps';
import { trainingHandlers } from './training';

export type { WorkbenchServiceOptions } from './context';

/** Every method's handler: the compiler checks that none is missing and that each takes and gives its method's types. */
const handlers: Handlers<ApiMethod> = {
  ...runsHandlers,
  ...trainingHandlers,
  ...sweepsHandlers,
  ...onnxHandlers,
  ...datasetsHandlers,
  ...graphHandlers,
  ...inspectHandlers,
};

/** The request schemas seen per method, so that validating method M's params gives M's parsed params. */
const requestSchemas: { readonly [M in ApiMethod]: z.ZodType<ApiParsedParams<M>, ApiParams<M>> } = apiRequestSchemas;

function isApiMethod(method: string): method is ApiMethod {
  return Object.hasOwn(apiRequestSchemas, method);
}

/**
 * The services behind the workbench API, shared by the Electron main process and the web host: every request
 * arrives here as (method, untrusted params), is validated, and answers with an envelope.
 */
export class WorkbenchService {
  private readonly context: ServiceContext;
  private readonly listeners = new Set<(event: WorkbenchEvent) => void>();

  constructor(options: WorkbenchServiceOptions) {
    this.context = createServiceContext(options, (event) => this.emit(event));
    options.supervisor.subscribe((event) => {
      const mapped = workbenchEventOf(event);
      if (mapped) this.emit(mapped);
    });
    options.supervisor.onQueueChange((state) => this.emit({ type: 'queue', state }));
  }

  subscribe(listener: (event: WorkbenchEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: WorkbenchEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Validates and serves one request. Never throws: failures come back as `{ ok: false, error }`. */
  async handle(method: string, params: unknown): Promise<ApiEnvelope> {
    if (!isApiMethod(method)) return { ok: false, error: `unknown method "${method}"` };
    return this.serve(method, params);
  }

  /** Marks runs a previous session left active as interrupted; call once before serving. */
  async start(): Promise<void> {
    await this.context.supervisor.recoverInterrupted();
  }

  /** Ends the helper processes (predictors, a running gradient check); runs are the supervisor's. */
  async shutdown(): Promise<void> {
    // Sweeps are not cancelled: their runs become interrupted and the sweep resumes after a restart.
    this.context.gradientCheck.cancel();
    this.context.predictors.shutdown();
    this.context.onnxModels.releaseAll();
    await this.context.supervisor.shutdown();
  }

  private async serve<M extends ApiMethod>(method: M, params: unknown): Promise<ApiEnvelope> {
    const parsed = requestSchemas[method].safeParse(params ?? {});
    if (!parsed.success) return { ok: false, error: `${method}: ${describeIssues(parsed.error)}` };
    const handler = handlers[method];
    try {
      return { ok: true, value: await handler(this.context, parsed.data) };
    } catch (error) {
      if (error instanceof ConfigError) return { ok: false, error: error.message, issues: error.issues };
      return { ok: false, error: errorMessage(error) };
    }
  }
}
