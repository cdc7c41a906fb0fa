import type { OnnxReport } from '../../src-shared/run-record';

/** One line for the CLI (the UI shows the same fields in a table). */
export function describeOnnxReport(report: OnnxReport): string {
  const accuracy = report.engineAccuracy === null ? `accuracy ${report.onnxAccuracy.toFixed(4)}` : `accuracy ${report.onnxAccuracy.toFixed(4)} (engine ${report.engineAccuracy.toFixed(4)})`;
  const difference = report.maxAbsDifference === null ? '' : `max |logits - engine| ${report.maxAbsDifference.toExponential(2)} (bound ${report.bound}), `;
  const latency = `${(report.batchLatencyMs * 1000).toFixed(1)} µs/image in batches of 1000, ${report.singleImageLatencyMs.toFixed(3)} ms for one image`;
  const verdict = report.passed ? 'ONNX validation passed' : `ONNX validation FAILED: ${report.problems.join('; ')}`;
  return `${verdict} | onnxruntime on ${report.images} test images: ${difference}${accuracy}, ${latency}`;
}
