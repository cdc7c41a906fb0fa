// Entry of the trainer process: Electron's utilityProcess.fork and child_process.fork both start this file.
import { runTrainerHost } from './trainer-host';

runTrainerHost();
