// The import's memory across crashes. Before each create an intent is made durable, after it the outcome:
// a resumed run reuses finished outcomes and reads back every row that had an intent before sending again.
// Lines are JSON, appended in groups (one write serves every line added in the same turn of the event
// loop, or while the write before was under way) to a file opened for synchronous data writes: a write
// is durable when it returns, in one system call.
import { close, constants, fdatasync, ftruncate, open, write } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setImmediate as afterThisTurn } from 'node:timers/promises';
import { promisify } from 'node:util';
import { fileErrorText, RunError } from '../errors.js';
import type { RowOutcome } from '../pipeline/types.js';
import { syncFolder } from '../write/atomic.js';
import { elsewhereIn, foldLine, parseLines, runLine, type JournalElsewhere, type JournalLine, type JournalRun, type PriorState, type PriorStates, type RunLine } from './journal-lines.js';
import { RunLock } from './run-lock.js';
import { forgetJournalOf, lockSheet, noteJournalOf, refuseJournalElsewhere, sheetId, type SheetLocks } from './sheet-lock.js';

export type { JournalElsewhere, JournalRun, PriorState, PriorStates, RunLine as JournalHeader } from './journal-lines.js';
export { journalHeaderOf } from './journal-lines.js';

/** Besides the API it runs against, what a run that opens a journal may name. */
export interface JournalOpening {
  /** The sheet: another run of that very file on this machine is refused, whatever its results path. */
  readonly sheet?: string;
  /** The name of the retry file the run writes beside the journal, so that importing it finds this journal. */
  readonly retryFile?: string;
  /** The run rehearses on the embedded sandbox: its journal says so, and holds nothing of a real server's. */
  readonly rehearsal?: boolean;
  /** The run makes packages without looking for those already there (--on-existing create): its journal says so. */
  readonly create?: boolean;
}

/** Where the journal of a run writing `resultsPath` lives: beside its results. */
export function journalPathOf(resultsPath: string): string {
  return `${resultsPath}.journal`;
}

/**
 * Where the system has no O_DSYNC, O_SYNC (which also waits for the times to be written) does the
 * same. Where it has neither (Windows), each write is followed by an fdatasync.
 */
const DURABLE_WRITES = constants.O_DSYNC ?? constants.O_SYNC ?? 0;
const openFile = promisify(open);
const closeFile = promisify(close);
const truncateFile = promisify(ftruncate);
const syncData = promisify(fdatasync);

/** Writes all of `bytes`; durable on return. */
async function writeAll(fd: number, bytes: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const from = (offset: number): void =>
      write(fd, bytes, offset, bytes.length - offset, null, (error, written) => {
        if (error) reject(error);
        else if (offset + written < bytes.length) from(offset + written);
        else resolve();
      });
    from(0);
  });
  if (DURABLE_WRITES === 0) await syncData(fd);
}

interface OpenedState {
  readonly prior: Map<string, PriorState>;
  readonly resumed: boolean;
  readonly elsewhere?: JournalElsewhere;
  /** The file holds another run's journal, left as it is until this run writes its first line. */
  readonly otherRun: boolean;
  /** This open made the file. */
  readonly created: boolean;
}

export class Journal {
  private queue: string[] = [];
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private flushing: Promise<void> | undefined;
  private otherRun: boolean;
  /** The last write failed, perhaps part way through a line. */
  private cut = false;
  private ended = false;
  private readonly visited = new Set<string>();
  /** The sheet file (sheetId) whose journal this is noted to be, for the note to go with the journal. */
  private sheetId: string | undefined;
  readonly resumed: boolean;
  /**
   * The journal is another server's (or another rehearsal's), left as it is until this run writes its
   * first line, which starts it afresh: what that run left, which this run would forget.
   */
  readonly elsewhere: JournalElsewhere | undefined;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly lock: RunLock,
    private readonly sheetLock: SheetLocks | undefined,
    private readonly run: RunLine,
    private readonly state: OpenedState,
  ) {
    this.otherRun = state.otherRun;
    this.resumed = state.resumed;
    this.elsewhere = state.elsewhere;
  }

  /**
   * Opens the journal at `path` and takes its lock, loading what an earlier run against the same API
   * left there. A journal written against other URLs belongs to another server: it is left as it is
   * until this run writes its first line, which empties it first. So a run that sends nothing (a
   * refused token, a Ctrl-C before the first row) destroys nothing.
   */
  static async open(path: string, run: JournalRun, { sheet, retryFile, rehearsal, create }: JournalOpening = {}): Promise<Journal> {
    const id = sheet === undefined ? undefined : await sheetId(sheet);
    const sheetLock = sheet === undefined || id === undefined ? undefined : await lockSheet(sheet, id, run.fallbackUrl);
    let lock: RunLock | undefined;
    try {
      lock = await RunLock.acquire(`${path}.lock`);
      if (id !== undefined) await refuseJournalElsewhere(id, path);
      const header: RunLine = { ...runLine(run), ...(retryFile !== undefined && { retry: retryFile }), ...(rehearsal && { rehearsal: true as const }), ...(id !== undefined && { sheet: id }), ...(create && { create: true as const }) };
      const journal = await Journal.load(path, header, lock, sheetLock);
      journal.sheetId = id;
      if (id !== undefined) await noteJournalOf(id, path);
      return journal;
    } catch (error) {
      await lock?.release();
      await sheetLock?.release();
      throw error;
    }
  }

  /**
   * What an earlier run against the same API left at `path`, read without taking its lock or writing
   * to it (for a dry run, which sends nothing): none when there is no such journal, or it cannot be read.
   */
  static async peek(path: string, run: JournalRun): Promise<PriorStates | undefined> {
    const bytes = await readFile(path).catch(() => undefined);
    if (bytes === undefined) return undefined;
    const lines = parseLines(bytes.toString('utf8', 0, bytes.lastIndexOf(0x0a) + 1));
    const header = lines[0];
    if (header?.k !== 'run' || header.apiUrl !== run.apiUrl || header.fallbackUrl !== run.fallbackUrl) return undefined;
    const prior = new Map<string, PriorState>();
    for (const line of lines) foldLine(prior, line);
    return { priorState: (key) => prior.get(key), priorStates: () => prior.entries() };
  }

  private static async load(path: string, run: RunLine, lock: RunLock, sheetLock?: SheetLocks): Promise<Journal> {
    const prior = new Map<string, PriorState>();
    let created = false;
    const bytes = await readFile(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
      created = true;
      return Buffer.alloc(0);
    });
    // Whole lines only: a line cut short by a crash mid-write was never acknowledged.
    const whole = bytes.lastIndexOf(0x0a) + 1;
    const lines = parseLines(bytes.toString('utf8', 0, whole));
    const header = lines[0];
    const sameRun =
      header?.k === 'run' && header.apiUrl === run.apiUrl && header.fallbackUrl === run.fallbackUrl;
    if (sameRun) for (const line of lines) foldLine(prior, line);
    const fd = await openFile(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | DURABLE_WRITES, 0o600);
    const otherRun = !sameRun && bytes.length > 0;
    const elsewhere = otherRun && header?.k === 'run' ? elsewhereIn(lines, header) : undefined;
    const journal = new Journal(path, fd, lock, sheetLock, run, {
      prior,
      resumed: sameRun && lines.some((line) => line.k !== 'run'),
      otherRun,
      created,
      ...(elsewhere && { elsewhere }),
    });
    try {
      // The cut line goes, or the next line appended would be joined to it and lost with it.
      if (sameRun && whole < bytes.length) await truncateFile(fd, whole);
      // A new or empty file has nothing to lose: its first line is written now, and a new file's
      // name made durable in its folder, so that a power cut cannot take the whole journal away. A
      // resumed one gets this run's line too: its sheet file and mode may be other than the first run's.
      if (sameRun || !otherRun) await journal.append(run);
      if (created) await syncFolder(dirname(path));
    } catch (error) {
      await closeFile(fd);
      throw error;
    }
    return journal;
  }

  priorState(key: string): PriorState | undefined {
    this.visited.add(key);
    return this.state.prior.get(key);
  }

  /** What an earlier run left, by row key. */
  priorStates(): Iterable<[string, PriorState]> {
    return this.state.prior.entries();
  }

  /** What an earlier run left for rows this run has not come to (a `--limit`, or rows since edited out of the sheet). */
  unvisitedRows(): PriorState[] {
    return [...this.state.prior].filter(([key]) => !this.visited.has(key)).map(([, state]) => state);
  }

  /** Resolves while this run surely holds the sheet's lock; awaited just before each create is sent. */
  held(): Promise<void> | undefined {
    return this.lock.held();
  }

  /** Throws if another run has taken the sheet's lock: that run's files are then left to it. */
  stillHeld(): Promise<void> {
    return this.lock.confirm();
  }

  /** Durable before the create is sent. */
  intent(key: string, before: readonly string[], attempt: number, at: number = Date.now(), claim?: string): Promise<void> {
    return this.append({ k: 'intent', key, before, attempt, at, ...(claim !== undefined && { claim }) });
  }

  /** Durable before the create is read back: a resumed run gives it the rest of its time to settle. */
  unclear(key: string, at: number, finished: boolean): Promise<void> {
    return this.append({ k: 'unclear', key, at, finished });
  }

  /** For a row stopped after its intent was written and before its create was sent. */
  unsent(key: string): Promise<void> {
    return this.append({ k: 'unsent', key });
  }

  /** Durable before the row counts as done. */
  outcome(key: string, outcome: RowOutcome): Promise<void> {
    const { sourceRow: _, ...rest } = outcome;
    return this.append({ k: 'outcome', key, outcome: rest });
  }

  /** Keeps the file for a later run to resume from. */
  close(): Promise<void> {
    return this.end(false);
  }

  /** For a finished run: nothing is left to resume. Another server's journal this run never wrote to is kept. */
  remove(): Promise<void> {
    return this.end(!this.otherRun);
  }

  /** For a run that did not start: a file this open made is taken away, any other kept. */
  discard(): Promise<void> {
    return this.end(this.state.created);
  }

  /** The lock is released last, so no other run opens the file before it is closed or gone. */
  private async end(removeFile: boolean): Promise<void> {
    this.ended = true;
    try {
      await this.flushing;
      await closeFile(this.fd);
      if (removeFile) {
        await rm(this.path, { force: true });
        if (this.sheetId !== undefined) await forgetJournalOf(this.sheetId, this.path);
      }
    } finally {
      await this.lock.release();
      await this.sheetLock?.release();
    }
  }

  private append(line: JournalLine): Promise<void> {
    if (this.ended) return Promise.reject(new Error(`the journal ${this.path} is closed`));
    this.queue.push(JSON.stringify(line) + '\n');
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    // The write waits for the end of this turn of the event loop: every line added in it (the answers
    // that came in together, and what they set off) shares the one write.
    if (!this.flushing) this.flushing = afterThisTurn().then(() => this.flush());
    return done;
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const waiters = this.waiters;
      let text = this.queue.join('');
      this.queue = [];
      this.waiters = [];
      try {
        const emptying = this.otherRun;
        if (emptying) {
          // Emptied only by the run that holds the lock: one held up since it opened the file may not.
          await this.lock.confirm();
          await truncateFile(this.fd, 0);
          text = JSON.stringify(this.run) + '\n' + text;
        } else if (this.cut) {
          // A write that failed part way may have left a line cut short: these lines start on a new one.
          text = '\n' + text;
        }
        await writeAll(this.fd, Buffer.from(text, 'utf8'));
        if (emptying) this.otherRun = false;
        this.cut = false;
        for (const w of waiters) w.resolve();
      } catch (error) {
        this.cut = true;
        const failure = error instanceof RunError ? error : new RunError('JOURNAL_UNWRITABLE', `Cannot write the journal ${this.path}: ${fileErrorText(error)}.`);
        for (const w of waiters) w.reject(failure);
      }
    }
    this.flushing = undefined;
  }
}
