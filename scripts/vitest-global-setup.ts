import { nativeForTests } from '../src-services/backends/native-for-tests';

/** Runs once before the unit tests: says once why native-only tests are skipped, if they are. */
export default function setup(): void {
  if (nativeForTests.skipReason) console.log(`\n[native] native-only tests skipped: ${nativeForTests.skipReason}\n`);
}
