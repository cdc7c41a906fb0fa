import { diskWriter, diskWriterSync, type RunFileWriter, type RunFileWriterSync } from './run-files';

/**
 * A disk that fills up, for tests that must run everywhere (where a small tmpfs cannot be mounted): writes go
 * to the real files until `budget` bytes have been written, then fail as a full disk fails them, with ENOSPC,
 * after writing the part that still fitted (a real full disk leaves partial files too). Raising `budget`
 * frees the disk.
 */
export class FullDisk {
  budget: number;
  used = 0;

  constructor(budget: number) {
    this.budget = budget;
  }

  /** How many of `length` bytes still fit; all of them are counted as used. */
  private take(length: number): number {
    const fits = Math.max(0, Math.min(length, this.budget - this.used));
    this.used += fits;
    return fits;
  }

  private static full(file: string, syscall: string): NodeJS.ErrnoException {
    return Object.assign(new Error(`ENOSPC: no space left on device, ${syscall}`), { code: 'ENOSPC', errno: -28, syscall, path: file });
  }

  readonly writer: RunFileWriter = {
    writeNew: async (file, data) => {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      const fits = this.take(bytes.length);
      await diskWriter.writeNew(file, bytes.subarray(0, fits));
      if (fits < bytes.length) throw FullDisk.full(file, 'write');
    },
  };

  readonly writerSync: RunFileWriterSync = {
    writeNew: (file, data) => {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      const fits = this.take(bytes.length);
      diskWriterSync.writeNew(file, bytes.subarray(0, fits));
      if (fits < bytes.length) throw FullDisk.full(file, 'write');
    },
    append: (file, data) => {
      const bytes = Buffer.from(data);
      const fits = this.take(bytes.length);
      if (fits > 0) diskWriterSync.append(file, bytes.subarray(0, fits));
      if (fits < bytes.length) throw FullDisk.full(file, 'write');
    },
  };
}
