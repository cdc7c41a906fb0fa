/// <reference types="vite/client" />
import type { BackpropApi } from '../src-shared/api';

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

declare global {
  interface Window {
    /** Present in the desktop app (from the preload); absent in a plain browser. */
    backprop?: BackpropApi;
  }
}
