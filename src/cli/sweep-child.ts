/**
 * The child process of the sweep executors' process pool (forked by `gradscope sweep` and
 * `gradscope worker`): runs the points it is sent, one at a time, with runSweepPoint — the same
 * code as `gradscope train`. Argument `--threads N` sets the kernels' thread count (default 1:
 * the pool already uses one process per core). It exits when its parent goes away.
 */
import { setThreads } from '../kernels/threads.js';
import type { PoolMessage } from '../sweep/pool-node.js';
import type { SweepRecord } from '../sweep/record.js';
import type { PointTask } from '../sweep/job.js';
import { runSweepPoint } from './commands/sweep-point.js';
import { errorText } from './format.js';

const t = process.argv.indexOf('--threads');
setThreads(t >= 0 ? Number(process.argv[t + 1]) : 1);

process.on('disconnect', () => process.exit(0));

/**
 * Sends a reply to the pool unless the parent is gone (Ctrl-C on the sweep stops the parent at
 * once): a point finishing after that is dropped, and the child leaves on 'disconnect', instead
 * of dying on an EPIPE error event.
 */
function sendReply(msg: PoolMessage<PointTask, SweepRecord>): void {
  if (process.connected) process.send?.(msg, undefined, undefined, () => {});
}
process.on('message', (m: PoolMessage<PointTask, SweepRecord>) => {
  if (m.type !== 'run') return;
  runSweepPoint(m.job.job, m.job.sweepDir).then(
    (result) => {
      const reply: PoolMessage<PointTask, SweepRecord> = { type: 'result', id: m.id, result };
      sendReply(reply);
    },
    (e: unknown) => {
      const reply: PoolMessage<PointTask, SweepRecord> = {
        type: 'failure',
        id: m.id,
        message: errorText(e),
      };
      sendReply(reply);
    },
  );
});
