/** The files of a run's folder. */
export const RUN_FILE = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';
export const CHECKPOINT_FILE = 'checkpoint.bin';
/** The run's validated ONNX export (present only when it passed validation). */
export const ONNX_FILE = 'model.onnx';
/** Who writes the run now (see run-lock.ts). */
export const LOCK_FILE = 'run.lock';
