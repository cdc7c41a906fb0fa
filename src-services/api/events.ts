import type { WorkbenchEvent } from '../../src-shared/api';
import { finiteOrNull, storedEvaluation } from '../../src-shared/run-record';
import type { SupervisorEvent } from '../trainers/run-supervisor';

/** What the renderer sees of the supervisor's events: run records, progress and evaluations in JSON form, logs. */
export function workbenchEventOf(event: SupervisorEvent): WorkbenchEvent | undefined {
  if (event.kind === 'status') return { type: 'run', record: event.record };
  const trainer = event.event;
  switch (trainer.type) {
    case 'progress':
      return {
        type: 'progress',
        runId: event.runId,
        start: trainer.start,
        iteration: trainer.iteration,
        total: trainer.total,
        losses: Array.from(trainer.losses, finiteOrNull),
        elapsedSeconds: trainer.elapsedSeconds,
      };
    case 'epoch':
      return { type: 'evaluation', runId: event.runId, point: storedEvaluation(trainer.record) };
    case 'log':
      return { type: 'log', runId: event.runId, level: trainer.level, message: trainer.message };
    default:
      return undefined;
  }
}
