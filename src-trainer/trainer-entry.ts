// Entry of the trainer process: Electron's utilityProcess.fork and child_process.fork both start this file.
import { runTrainerHost } from './trainer-host';

// The parent stops its runs (a 'stop' command, with a checkpoint): Ctrl+C in a terminal reaches every process
// of the foreground group, and must not kill a trainer mid-run before its parent has asked it to stop.
process.on('SIGINT', () => undefined);
// Without its parent (gone, or quit at once on a second Ctrl+C) the host saves where the run stands and exits (see runTrainerHost).
runTrainerHost();
