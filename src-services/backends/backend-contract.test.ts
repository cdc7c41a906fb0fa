import { describe } from 'vitest';
import { createTsBackend } from '../../src-engine/backends/ts-backend';
import { backendContract } from './backend-contract';
import { nativeForTests } from './native-for-tests';

describe('the TypeScript backend keeps the Backend contract', () => {
  backendContract(() => createTsBackend());
});

describe.skipIf(!nativeForTests.backend)('the native backend keeps the Backend contract', () => {
  backendContract(() => nativeForTests.backend!);
});
