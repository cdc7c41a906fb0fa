import type { ImportedOnnxModel } from '../../src-shared/api';
import { ONNX_LIMITS } from '../../src-shared/limits';
import type { DatasetSplit } from '../../src-engine/dataset';
import type { OnnxModelInfo } from './inspect-model';
import { OnnxModelError } from './model-error';
import type { OnnxRunner } from './onnx-runner';

/** No more models may be loaded (or are being imported) on this host right now. */
class OnnxModelsFullError extends Error {}

/**
 * .onnx models the user imported for the Draw view: the host keeps only their summaries; the models
 * themselves live in the ONNX runner process. At most `maxModels` are loaded or being imported at once.
 */
export class ImportedOnnxModels {
  private readonly models = new Map<string, ImportedOnnxModel>();
  private importing = 0;
  private next = 1;

  constructor(
    private readonly runner: OnnxRunner,
    private readonly maxModels: number = ONNX_LIMITS.maxLoadedModels,
  ) {
    // A runner that died took its models with it: they are no longer offered.
    runner.onModelsLost((modelIds) => modelIds.forEach((id) => this.models.delete(id)));
  }

  /**
   * Loads a model in the runner (inspected there first) and, when `testSetFor` gives one for it, validates
   * it on that test set; a model that fails either is released again and the error says why.
   */
  async import(fileName: string, bytes: Uint8Array, testSetFor: (info: OnnxModelInfo) => Promise<DatasetSplit | null>): Promise<ImportedOnnxModel> {
    if (this.models.size + this.importing >= this.maxModels) {
      throw new OnnxModelsFullError(`${fileName}: ${this.maxModels} ONNX models are loaded or loading, the most this host keeps: remove one first`);
    }
    this.importing++;
    const modelId = `onnx-${this.next++}`;
    try {
      const info = await this.runner.load(modelId, bytes, fileName);
      let report = null;
      try {
        const test = await testSetFor(info);
        if (test) report = await this.runner.validate(modelId, fileName, test);
      } catch (error) {
        await this.runner.release(modelId).catch(() => undefined);
        throw error;
      }
      if (!this.runner.isLoaded(modelId)) throw new OnnxModelError(`${fileName}: the ONNX runner stopped while it was imported: import it again`);
      const summary: ImportedOnnxModel = {
        modelId,
        fileName,
        inputSize: info.inputSize,
        classes: info.classes,
        operators: info.operators,
        producer: info.producer,
        metadata: info.metadata,
        report,
      };
      this.models.set(modelId, summary);
      return summary;
    } finally {
      this.importing--;
    }
  }

  get(modelId: string): ImportedOnnxModel | undefined {
    return this.models.get(modelId);
  }

  list(): ImportedOnnxModel[] {
    return [...this.models.values()];
  }

  /** Class probabilities for one image of the model's input size. */
  predict(model: ImportedOnnxModel, pixels: Float32Array): Promise<Float32Array> {
    return this.runner.predict(model.modelId, model.fileName, pixels);
  }

  async remove(modelId: string): Promise<void> {
    if (!this.models.delete(modelId)) return;
    await this.runner.release(modelId);
  }

  /** Ends the runner with every model in it. */
  releaseAll(): void {
    this.models.clear();
    this.runner.close();
  }
}
