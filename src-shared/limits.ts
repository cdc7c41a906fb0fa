/**
 * Bounds the API, the trainer protocol and the renderer's forms all enforce: one place so a form never
 * offers what a schema refuses. Plain numbers (no zod) so the renderer can import them on their own.
 */

/** Hidden layers a network may have. */
export const MAX_HIDDEN_LAYERS = 32;
/** Affine layers a network has at most: one per hidden layer and the output layer (the gradient flow's entries per evaluation). */
export const MAX_AFFINE_LAYERS = MAX_HIDDEN_LAYERS + 1;

/**
 * A layer-list network (network.layers): its entries, a conv layer's filters and window, an affine's units
 * (as a hidden layer's), and its trainable values (64 million: what an ONNX export of 256 MiB holds in float32).
 */
export const LAYER_LIST_LIMITS = {
  maxLayers: 64,
  maxFilters: 1024,
  maxWindow: 64,
  maxStride: 64,
  maxPad: 64,
  maxUnits: 8192,
  maxChannels: 64,
  maxImageSide: 4096,
  maxParameters: 64_000_000,
} as const;

/** Images per gradient check: the numerical gradient costs two loss evaluations per parameter per image. */
export const GRADIENT_CHECK_SAMPLES = { min: 1, max: 32, default: 3 } as const;

/** Images in the Graph view's one forward/backward pass. */
export const LAYER_GRAPH_BATCH = { min: 1, max: 1000, default: 100 } as const;

/** Test images a run's activation histograms pass through its network (the book's experiment uses 1000 inputs). */
export const ACTIVATION_SAMPLES = { min: 1, max: 1000, default: 1000 } as const;

/** Bins of each layer's weight histogram in the Train view (the book draws 30). */
export const WEIGHT_HISTOGRAM_BINS = { min: 1, max: 100, default: 30 } as const;

/**
 * What an .onnx file may ask of the process that runs it, checked before anything is allocated: the file and
 * its parts are counted on the wire before it is decoded, and every tensor the graph computes is sized for a
 * batch of `validationBatch` images (the largest batch this app feeds a model) before onnxruntime sees it.
 */
export const ONNX_LIMITS = {
  /** Any .onnx the app reads from disk (a run's export, `npm run export -- --check`): a 64-million-weight MLP. */
  maxFileBytes: 256 * 1024 * 1024,
  /** An .onnx a client uploads through the API (importOnnx): 36 MiB, 48 MiB of base64 in one WebSocket frame. */
  maxImportBytes: 36 * 1024 * 1024,
  maxNodes: 10_000,
  /** Protobuf messages, strings and int64 list entries in the file: what decoding it allocates objects for. */
  maxWireElements: 1_000_000,
  maxRank: 8,
  /** Images per onnxruntime call when a model is validated on a test set. */
  validationBatch: 1000,
  /** One tensor the graph computes, at the validation batch. */
  maxTensorBytes: 256 * 1024 * 1024,
  /** All tensors the graph computes together, at the validation batch (onnxruntime may keep them all). */
  maxActivationBytes: 1024 * 1024 * 1024,
  /** Multiply-adds per validation batch: a 784-4096-4096-4096-10 MLP needs 3.7e10. */
  maxMultiplyAdds: 5e10,
  /** Imported models a host keeps loaded at once. */
  maxLoadedModels: 8,
  /** ONNX jobs (imports, predictions, removals) waiting or running at once on a host. */
  maxQueuedJobs: 16,
  /** The ONNX runner process's memory cap (resident set), lowered to a quarter of the machine's RAM if that is less. */
  runnerMemoryBytes: 4 * 1024 * 1024 * 1024,
  loadTimeoutMs: 60_000,
  validateTimeoutMs: 180_000,
  predictTimeoutMs: 10_000,
} as const;
