/**
 * The part of the WebAssembly JavaScript API the wasm backend uses. TypeScript declares it in lib.dom, which
 * the Node processes' code is compiled without (tsconfig.node.json); Node has the same globals.
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  type ExportValue = ((...args: number[]) => number | undefined) | Memory | Global | Table;
  type Exports = Record<string, ExportValue>;
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Exports;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  class Global {
    value: number;
  }
  class Table {
    readonly length: number;
  }
}
