// A trainer process for tests: the real host, writing its run's metrics and checkpoints to a disk that is full
// after the number of bytes given as its first argument (src-services/runs/disk-fault.ts), so a test meets
// ENOSPC at a known point on any machine.
import { FullDisk } from '../../src-services/runs/disk-fault';
import { runTrainerHost } from '../trainer-host';
import { detectTransport } from '../transport';

const budget = Number(process.argv[2]);
runTrainerHost(detectTransport(), { writer: new FullDisk(Number.isFinite(budget) ? budget : Infinity).writerSync });
