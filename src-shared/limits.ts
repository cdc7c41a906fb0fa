/**
 * Bounds the API, the trainer protocol and the renderer's forms all enforce: one place so a form never
 * offers what a schema refuses. Plain numbers (no zod) so the renderer can import them on their own.
 */

/** Images per gradient check: the numerical gradient costs two loss evaluations per parameter per image. */
export const GRADIENT_CHECK_SAMPLES = { min: 1, max: 32, default: 3 } as const;

/** Images in the Graph view's one forward/backward pass. */
export const LAYER_GRAPH_BATCH = { min: 1, max: 1000, default: 100 } as const;
