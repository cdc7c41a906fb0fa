/** The files of a run's folder. */
export const RUN_FILE = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';
export const CHECKPOINT_FILE = 'checkpoint.bin';
/** The run's validated ONNX export (present only when it passed validation). */
export const ONNX_FILE = 'model.onnx';
export { LOCK_FILE } from './run-lock';
