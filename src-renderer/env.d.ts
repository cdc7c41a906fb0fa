/// <reference types="vite/client" />
import type { BackpropBridge } from '../src-shared/bridge';

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

declare global {
  interface Window {
    /** Present in the desktop app (from the preload); in a browser the web bridge stands in for it. */
    backprop?: BackpropBridge;
  }
}
