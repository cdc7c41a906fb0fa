import { writeFileSync } from 'node:fs';
import { nativeForTests } from '../src-services/backends/native-for-tests';

/**
 * Runs once before the unit tests: says once why native-only tests are skipped, if they are, and writes the
 * reason to BACKPROP_NATIVE_SKIP_FILE when `npm test` (scripts/test-all.mjs) asks, for its closing summary.
 */
export default function setup(): void {
  if (!nativeForTests.skipReason) return;
  console.log(`\n[native] native-only tests skipped: ${nativeForTests.skipReason}\n`);
  if (process.env.BACKPROP_NATIVE_SKIP_FILE) writeFileSync(process.env.BACKPROP_NATIVE_SKIP_FILE, nativeForTests.skipReason);
}
