// What a run that cannot take the lock tells its user: who holds it, and what to do about it.
import { RunError } from '../errors.js';
import { lockTiming, UNFINISHED_MS, type Holder } from './lock-holder.js';
import type { Taker } from './lock-takeover.js';

function holderWords(holder: Holder): string {
  return `process ${holder.pid}${holder.elsewhere === undefined ? '' : ` on ${holder.elsewhere}`}`;
}

export function inProgress(path: string, holder: Holder): RunError {
  if (holder.unseen) {
    const ago = Math.max(0, Math.floor(holder.unseen.writtenAgoMs / 1000));
    const wait = Math.max(1, Math.ceil((lockTiming.leaseMs - holder.unseen.writtenAgoMs) / 1000));
    const where =
      holder.unseen.where === 'container'
        ? `in another container on this machine (process ${holder.pid} there)`
        : `on another machine also named ${holder.unseen.machine} (process ${holder.pid} there), or was before this machine restarted`;
    return new RunError(
      'RUN_IN_PROGRESS',
      `Another import of this sheet is running ${where}: its lock ${path} was last written ${ago} s ago. A lock not written for ${lockTiming.leaseMs / 1000} s is taken over: if that run is gone, run again in ${wait} s.`,
    );
  }
  if (holder.pid === undefined) {
    return new RunError(
      'RUN_IN_PROGRESS',
      `Another import of this sheet is starting: its lock ${path} is being written (a lock left unfinished by a stopped run is taken over once ${UNFINISHED_MS / 1000} s old).`,
    );
  }
  return new RunError(
    'RUN_IN_PROGRESS',
    `Another import of this sheet is running (${holderWords(holder)}); if that process is not one, delete ${path} and run again.`,
  );
}

export function stuck(path: string, blockedBy: Taker['blockedBy']): RunError {
  if (!blockedBy) return new RunError('RUN_IN_PROGRESS', `Cannot take the lock ${path}: other runs of this sheet kept taking it.`);
  const who = blockedBy.holder.pid === undefined ? 'a run' : holderWords(blockedBy.holder);
  return new RunError(
    'RUN_IN_PROGRESS',
    `Cannot take the lock ${path}: ${who} has been taking it over for too long (${blockedBy.path}); if no other import of this sheet is running, delete that file and run again.`,
  );
}
