/**
 * The one API object the preload exposes to the renderer as `window.backprop` (and the web host serves over
 * its WebSocket). Later features extend it; nothing else crosses the context bridge.
 */
export interface BackpropApi {
  readonly platform: string;
  readonly versions: {
    readonly app: string;
    readonly electron: string;
    readonly node: string;
    readonly chrome: string;
  };
}
