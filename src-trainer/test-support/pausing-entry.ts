// A trainer process for tests: the real host, which pauses its run by itself after the step given as its
// first argument, exactly as a pause command would. A test can then stop, resume or kill the run at a known
// iteration instead of racing the training by time. Without an argument it never pauses.
import { runTrainerHost } from '../trainer-host';
import { detectTransport } from '../transport';

const pauseAt = Number(process.argv[2]);
runTrainerHost(detectTransport(), { afterStep: (iteration) => (iteration === pauseAt ? 'pause' : 'continue') });
