// How long a create that got no clear answer is given to finish on the platform before a read back that
// does not find it lets it be sent again, and the notice at a run's start for an earlier run's creates.
import type { PriorState } from './journal.js';

export type UnsettledSince = NonNullable<PriorState['unsettledSince']>;

/**
 * When an earlier run's create that may still be under way on the platform has had its time to
 * finish (wall-clock milliseconds): settleMs after its unclear answer, or after the latest its answer
 * was due (responseTimeoutMs after its intent; from this run's start in journals that kept no time).
 */
export function settledAt(
  since: UnsettledSince,
  times: { readonly settleMs: number; readonly responseTimeoutMs: number; readonly startedAt: number; readonly now: number },
): number {
  const { settleMs, responseTimeoutMs, startedAt, now } = times;
  const until =
    'answeredAt' in since
      ? since.answeredAt + settleMs
      : since.sentAfter !== undefined
        ? since.sentAfter + responseTimeoutMs + settleMs
        : startedAt + settleMs;
  // The journal's times are another moment's wall clock, which may differ or jump: never more than the whole wait.
  return Math.min(until, now + responseTimeoutMs + settleMs);
}

/** The words for an earlier run's creates still given time to finish, and when the last has had it. */
export function earlierCreatesMessage(waiting: { readonly creates: number; readonly until: number }): string {
  const at = clockTime(waiting.until);
  return waiting.creates === 1
    ? `1 create of the earlier run got no clear answer: it is given until ${at} to finish on the platform before it is read back (--timeout and --settle), so its row waits until then.`
    : `${waiting.creates} creates of the earlier run got no clear answer: each is given until ${at} to finish on the platform before it is read back (--timeout and --settle), so those rows wait until then.`;
}

/** HH:MM:SS on this machine's clock, the seconds rounded up (the wait is not over before). */
function clockTime(ms: number): string {
  const d = new Date(Math.ceil(ms / 1000) * 1000);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
