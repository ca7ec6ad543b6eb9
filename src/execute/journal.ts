// The import's memory across crashes. Before each create an intent is made durable, after it the outcome:
// a resumed run reuses finished outcomes and reads back every row that had an intent before sending again.
// Lines are JSON, appended in groups (one write serves every row that finished meanwhile) to a file
// opened for synchronous data writes: a write is durable when it returns, in one system call.
import { close, constants, ftruncate, open, write } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { RowOutcome } from '../pipeline/types.js';
import { RunLock } from './run-lock.js';

export interface JournalRun {
  readonly apiUrl: string;
  readonly fallbackUrl: string;
}

interface RunLine extends JournalRun {
  readonly k: 'run';
  readonly v: 1;
}

interface IntentLine {
  readonly k: 'intent';
  readonly key: string;
  /** Ids of matching packages the client already had before the first create of this row. */
  readonly before: readonly string[];
  readonly attempt: number;
}

interface OutcomeLine {
  readonly k: 'outcome';
  readonly key: string;
  readonly outcome: Omit<RowOutcome, 'sourceRow'>;
}

type JournalLine = RunLine | IntentLine | OutcomeLine;

/** What an earlier run left for one row identity. */
export interface PriorState {
  /** Set once a create was sent (or about to be): the ids that existed before it. */
  readonly before?: readonly string[];
  readonly attempts: number;
  /** A finished outcome worth reusing (created or skipped). */
  readonly done?: Omit<RowOutcome, 'sourceRow'>;
}

const REUSABLE = new Set(['created', 'skipped']);

/** Where the system has no O_DSYNC, O_SYNC (which also waits for the times to be written) does the same. */
const DURABLE_WRITES = constants.O_DSYNC ?? constants.O_SYNC ?? 0;
const openFile = promisify(open);
const closeFile = promisify(close);
const truncateFile = promisify(ftruncate);

/** Writes all of `bytes`; durable on return, given the file's DURABLE_WRITES flag. */
function writeAll(fd: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const from = (offset: number): void =>
      write(fd, bytes, offset, bytes.length - offset, null, (error, written) => {
        if (error) reject(error);
        else if (offset + written < bytes.length) from(offset + written);
        else resolve();
      });
    from(0);
  });
}

function parseLines(text: string): JournalLine[] {
  const lines: JournalLine[] = [];
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    try {
      lines.push(JSON.parse(raw) as JournalLine);
    } catch {
      // A torn last line from a crash mid-write: everything before it is intact.
    }
  }
  return lines;
}

export class Journal {
  private queue: string[] = [];
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private flushing: Promise<void> | undefined;
  /** Set while the file still holds another run's journal, left as it was until start(). */
  private otherRun: boolean;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly lock: RunLock,
    private readonly prior: Map<string, PriorState>,
    private readonly run: JournalRun,
    readonly resumed: boolean,
    otherRun: boolean,
    /** This open made the file: a run that does not start takes it away again. */
    private readonly created: boolean,
  ) {
    this.otherRun = otherRun;
  }

  /**
   * Opens the journal at `path` and takes its lock, loading what an earlier run against the same API
   * left there. A journal written against other URLs belongs to another server: it is left as it is
   * until start(), so that a run that cannot start (a refused token, say) destroys nothing.
   */
  static async open(path: string, run: JournalRun): Promise<Journal> {
    const lock = await RunLock.acquire(`${path}.lock`);
    try {
      return await Journal.load(path, run, lock);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  private static async load(path: string, run: JournalRun, lock: RunLock): Promise<Journal> {
    const prior = new Map<string, PriorState>();
    let existed = true;
    const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
      existed = false;
      return '';
    });
    const lines = parseLines(text);
    const header = lines[0];
    const sameRun =
      header?.k === 'run' && header.apiUrl === run.apiUrl && header.fallbackUrl === run.fallbackUrl;
    if (sameRun) for (const line of lines) foldLine(prior, line);
    const fd = await openFile(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | DURABLE_WRITES, 0o600);
    const otherRun = !sameRun && text.length > 0;
    const journal = new Journal(path, fd, lock, prior, run, sameRun && lines.length > 1, otherRun, !existed);
    // A new or empty file has nothing to lose: its first line is written now.
    if (!sameRun && !otherRun) await journal.append({ k: 'run', v: 1, ...run });
    return journal;
  }

  /** Before the first intent: a journal of another run is emptied and this run's first line written. */
  async start(): Promise<void> {
    if (!this.otherRun) return;
    await truncateFile(this.fd, 0);
    this.otherRun = false;
    await this.append({ k: 'run', v: 1, ...this.run });
  }

  /** For a run that did not start: the lock is released and the file left as it was before open(). */
  async discard(): Promise<void> {
    await this.close();
    if (this.created) await rm(this.path, { force: true });
  }

  priorState(key: string): PriorState | undefined {
    return this.prior.get(key);
  }

  /** Durable before the create is sent. */
  intent(key: string, before: readonly string[], attempt: number): Promise<void> {
    return this.append({ k: 'intent', key, before, attempt });
  }

  /** Durable before the row counts as done. */
  outcome(key: string, outcome: RowOutcome): Promise<void> {
    const { sourceRow: _, ...rest } = outcome;
    return this.append({ k: 'outcome', key, outcome: rest });
  }

  async close(): Promise<void> {
    await this.flushing;
    await closeFile(this.fd);
    await this.lock.release();
  }

  async remove(): Promise<void> {
    await this.close();
    await rm(this.path, { force: true });
  }

  private append(line: JournalLine): Promise<void> {
    if (this.otherRun) return Promise.reject(new Error(`${this.path} still holds another run's journal: start() first`));
    this.queue.push(JSON.stringify(line) + '\n');
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.flushing) this.flushing = this.flush();
    return done;
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const text = this.queue.join('');
      const waiters = this.waiters;
      this.queue = [];
      this.waiters = [];
      try {
        await writeAll(this.fd, Buffer.from(text, 'utf8'));
        for (const w of waiters) w.resolve();
      } catch (error) {
        for (const w of waiters) w.reject(error);
      }
    }
    this.flushing = undefined;
  }
}

function foldLine(prior: Map<string, PriorState>, line: JournalLine): void {
  if (line.k === 'run') return;
  const state = prior.get(line.key) ?? { attempts: 0 };
  if (line.k === 'intent') {
    prior.set(line.key, {
      ...state,
      // The first intent's view is the one that matters: later ones may already include our own package.
      before: state.before ?? line.before,
      attempts: Math.max(state.attempts, line.attempt),
    });
  } else if (REUSABLE.has(line.outcome.status)) {
    prior.set(line.key, { ...state, done: line.outcome });
  }
}
