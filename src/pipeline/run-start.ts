// What an import settles before its first row: the preflight's answer with the journal and the results
// opened meanwhile, a journal another server's creates still need, and the sheet's first row read early.
import { RunError, type RunErrorCode } from '../errors.js';
import type { Package } from '../execute/api-types.js';
import { isLoopbackUrl } from '../execute/api-url.js';
import type { Journal, JournalRun, PriorState } from '../execute/journal.js';
import type { ResultsWriter } from '../write/index.js';

/**
 * The preflight's answer, with the journal and the results files opened meanwhile. If any of the
 * three failed, the others are let go (a journal of another run left as it was, no results begun)
 * and the first failure in that order is thrown.
 */
export async function readyToStart(
  preflight: Promise<readonly Package[]>,
  journalOpening: Promise<Journal> | undefined,
  writerOpening: Promise<ResultsWriter>,
): Promise<{ checked: readonly Package[]; journal: Journal | undefined; writer: ResultsWriter }> {
  const [checked, journal, writer] = await Promise.allSettled([preflight, journalOpening, writerOpening]);
  if (checked.status === 'fulfilled' && journal.status === 'fulfilled' && writer.status === 'fulfilled') {
    return { checked: checked.value, journal: journal.value, writer: writer.value };
  }
  await Promise.allSettled([
    writer.status === 'fulfilled' && writer.value.abort(),
    journal.status === 'fulfilled' && journal.value?.discard(),
  ]);
  throw [checked, journal, writer].find((r) => r.status === 'rejected')?.reason;
}

/**
 * Another server's journal is started afresh by this run's first line. A rehearsal's may go (the
 * sandbox runs on this machine); not creates sent to a server elsewhere whose outcome never came
 * back: were it this platform under other URLs, nothing would read them back. Nor may a rehearsal
 * start afresh a real import's journal (that import could no longer resume), nor a run with
 * --on-existing create one that made packages (were its URLs this platform's, it would make them
 * again). The run then ends before it starts, with the journal and the files as they were.
 */
export async function refuseToLoseCreatesElsewhere(journal: Journal, writer: ResultsWriter, run: { rehearsal: boolean; onExisting: 'skip' | 'create' }): Promise<void> {
  const other = journal.elsewhere;
  if (!other) return;
  const refuse = async (code: RunErrorCode, message: string): Promise<never> => {
    await Promise.allSettled([writer.abort(), journal.close()]);
    throw new RunError(code, message);
  };
  /** An unfinished import against a real server, not a rehearsal. */
  const realImport = !other.rehearsal && other.holdsRows;
  if (realImport && run.rehearsal) {
    await refuse(
      'REHEARSAL_OVER_IMPORT',
      `${journal.path} is the journal of an import against ${urlsOf(other)} that has not finished: ` +
        'this rehearsal would start it afresh, and that import could no longer resume.',
    );
  }
  if (other.unsettled > 0 && !isLoopbackUrl(other.fallbackUrl)) {
    const one = other.unsettled === 1;
    await refuse(
      'UNSETTLED_ELSEWHERE',
      `${journal.path} holds ${one ? 'a create' : `${other.unsettled} creates`} whose ${one ? 'outcome' : 'outcomes'} never came back, ` +
        `from a run against ${urlsOf(other)}. This run's URLs are different, and it would start the journal afresh.`,
    );
  }
  if (realImport && other.created > 0 && run.onExisting === 'create' && !run.rehearsal) {
    const one = other.created === 1;
    await refuse(
      'CREATED_ELSEWHERE',
      `${journal.path} is the journal of an import against ${urlsOf(other)} that has not finished and made ${one ? 'a package' : `${other.created} packages`}. ` +
        "This run's URLs are different: it would start the journal afresh and, with --on-existing create, make " +
        `${one ? 'it' : 'them'} again if those URLs are this platform under another name.`,
    );
  }
}

/**
 * What a run that went through the whole sheet says of the rows an earlier run noted that the sheet no
 * longer has (edited or taken out since): packages made for them are in no results but that run's.
 */
export function leftBehindWarning(journal: string, rows: readonly PriorState[]): string {
  const made = rows.flatMap((row) => (row.done?.status === 'created' && row.done.clientPackageId ? [row.done.clientPackageId] : []));
  const sent = rows.filter((row) => row.unsettledSince !== undefined).length;
  const shown = made.length > 10 ? `${made.slice(0, 10).join(', ')} and ${made.length - 10} more` : made.join(', ');
  return (
    `Warning: ${journal} notes ${rows.length === 1 ? 'a row' : `${rows.length} rows`} of an earlier run that this sheet no longer has (edited or taken out since)` +
    (made.length > 0 ? `; packages were made for ${made.length === 1 ? 'one' : made.length}: ${shown}` : '') +
    (sent > 0 ? `; ${sent === 1 ? 'a create' : `${sent} creates`} sent for them never answered` : '') +
    '. Check those clients on the platform. The journal is kept, so that this note stays; delete it once they are settled.'
  );
}

const urlsOf = (run: JournalRun): string => (run.fallbackUrl === run.apiUrl ? run.apiUrl : `${run.apiUrl} (creates to ${run.fallbackUrl})`);

/** The items of `rest`, whose first `next()` was called early and is `first`; no generator hop per row. */
export function startingWith<T>(first: Promise<IteratorResult<T>>, rest: AsyncIterator<T>): AsyncIterableIterator<T> {
  let early: Promise<IteratorResult<T>> | undefined = first;
  return {
    next() {
      const next = early ?? rest.next();
      early = undefined;
      return next;
    },
    async return() {
      return (await rest.return?.()) ?? { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
