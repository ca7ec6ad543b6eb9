// What a journal holds, line by line: the run it belongs to, and for each row its intents, unclear
// answers and outcomes, folded into what an earlier run left for each row.
import { open, readFile, stat } from 'node:fs/promises';
import type { RowOutcome } from '../pipeline/types.js';

export interface JournalRun {
  readonly apiUrl: string;
  readonly fallbackUrl: string;
}

export interface RunLine extends JournalRun {
  readonly k: 'run';
  readonly v: 1;
  /** The name of the retry file this run writes, in the journal's folder; absent in journals of earlier versions. */
  readonly retry?: string;
  /** Set by a rehearsal on the embedded sandbox, whose creates bill no one; absent in journals of earlier versions. */
  readonly rehearsal?: true;
  /** The sheet file it imports (sheet-lock.ts sheetId); absent in rehearsals' and earlier versions' journals. */
  readonly sheet?: string;
  /** Set by a run with --on-existing create, which does not look for packages already there. */
  readonly create?: true;
}

interface IntentLine {
  readonly k: 'intent';
  readonly key: string;
  /** Ids of matching packages the client already had before the first create of this row. */
  readonly before: readonly string[];
  readonly attempt: number;
  /** Wall-clock milliseconds; absent in journals of earlier versions. */
  readonly at?: number;
  /** The resolved client, package and valid_from it creates; absent in journals of earlier versions. */
  readonly claim?: string;
}

/** A create that got no clear answer, written when that answer came. */
interface UnclearLine {
  readonly k: 'unclear';
  readonly key: string;
  /** Wall-clock milliseconds. */
  readonly at: number;
  /** The platform was done with it (see CreateResult): reading back settles it. */
  readonly finished: boolean;
}

/** The create of the last intent was never sent: the run stopped between the two. */
interface UnsentLine {
  readonly k: 'unsent';
  readonly key: string;
}

interface OutcomeLine {
  readonly k: 'outcome';
  readonly key: string;
  readonly outcome: Omit<RowOutcome, 'sourceRow'>;
}

export type JournalLine = RunLine | IntentLine | UnclearLine | UnsentLine | OutcomeLine;

/** What an earlier run left for one row identity. */
export interface PriorState {
  /** Set once a create was sent (or about to be): the ids that existed before it. */
  readonly before?: readonly string[];
  readonly attempts: number;
  /** A finished outcome worth reusing (created or skipped). */
  readonly done?: Omit<RowOutcome, 'sourceRow'>;
  /**
   * Set when the last create sent may still be under way on the platform: since when its unclear
   * answer came (wall-clock milliseconds), or, when the run ended before any came, when its intent was
   * written (undefined in journals of earlier versions).
   */
  readonly unsettledSince?: { readonly answeredAt: number } | { readonly sentAfter: number | undefined };
  /** The resolved client, package and valid_from of its creates. */
  readonly claim?: string;
}

/** What an earlier run left, by row key. */
export interface PriorStates {
  priorState(key: string): PriorState | undefined;
  priorStates(): Iterable<[string, PriorState]>;
}

/** Another run's journal, found where this run's goes: the server it ran against, and what it left. */
export interface JournalElsewhere extends JournalRun {
  /** Written by a rehearsal on the embedded sandbox. */
  readonly rehearsal: boolean;
  /** Whether it noted anything beyond its first line. */
  readonly holdsRows: boolean;
  /** Creates it sent whose outcome never came back. */
  readonly unsettled: number;
  /** Packages it made. */
  readonly created: number;
}

const REUSABLE = new Set(['created', 'skipped']);

export const runLine = (run: JournalRun): RunLine => ({ k: 'run', v: 1, ...run });

/** The journal's lines, read as JSON one by one. */
export function parseLines(text: string): JournalLine[] {
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

/**
 * The run a journal belongs to, and the name of the retry file it writes (absent in journals of earlier
 * versions), read from the journal's first line alone (a journal can be large). None when `path` is not a
 * file that starts with a run line: missing, unreadable, a folder or a pipe.
 */
export async function journalHeaderOf(path: string): Promise<RunLine | undefined> {
  // A folder cannot be read, and opening a pipe would wait for a writer: only plain files are opened.
  const isFile = await stat(path).then((s) => s.isFile(), () => false);
  if (!isFile) return undefined;
  try {
    const file = await open(path, 'r');
    try {
      const { buffer, bytesRead } = await file.read({ buffer: Buffer.alloc(FIRST_LINE_MAX), position: 0 });
      const end = buffer.subarray(0, bytesRead).indexOf(0x0a);
      const first = end < 0 ? undefined : parseLines(buffer.toString('utf8', 0, end))[0];
      return first?.k === 'run' && typeof first.apiUrl === 'string' && typeof first.fallbackUrl === 'string' ? first : undefined;
    } finally {
      await file.close();
    }
  } catch {
    return undefined;
  }
}

// A run line holds two URLs and a file name: far less than this.
const FIRST_LINE_MAX = 64 * 1024;

/** What the journal `lines`, begun by `header`, left: its creates never answered, and its packages made. */
export function elsewhereIn(lines: readonly JournalLine[], header: RunLine): JournalElsewhere {
  const sent = new Set<string>();
  let created = 0;
  for (const line of lines) {
    if (line.k === 'intent') sent.add(line.key);
    else if (line.k === 'outcome' || line.k === 'unsent') sent.delete(line.key);
    if (line.k === 'outcome' && line.outcome.status === 'created') created++;
  }
  const { apiUrl, fallbackUrl } = header;
  return { apiUrl, fallbackUrl, rehearsal: header.rehearsal === true, holdsRows: lines.some((line) => line.k !== 'run'), unsettled: sent.size, created };
}

/** What a journal's runs were and what they left, read from the whole file; none when it is not a journal (see journalHeaderOf). */
export async function journalRunsOf(path: string): Promise<{ readonly runs: readonly RunLine[]; readonly left: JournalElsewhere } | undefined> {
  const header = await journalHeaderOf(path);
  if (header === undefined) return undefined;
  const text = await readFile(path, 'utf8').catch(() => '');
  const lines = parseLines(text.slice(0, text.lastIndexOf('\n') + 1));
  return { runs: lines.filter((line): line is RunLine => line.k === 'run'), left: elsewhereIn(lines, header) };
}

/** Adds what one line says to what an earlier run left, by row key. */
export function foldLine(prior: Map<string, PriorState>, line: JournalLine): void {
  if (line.k === 'run') return;
  const state = prior.get(line.key) ?? { attempts: 0 };
  const { unsettledSince: _, ...settled } = state;
  if (line.k === 'intent') {
    prior.set(line.key, {
      ...state,
      // The first intent's view is the one that matters: later ones may already include our own package.
      before: state.before ?? line.before,
      attempts: Math.max(state.attempts, line.attempt),
      unsettledSince: { sentAfter: line.at },
      ...((state.claim ?? line.claim) !== undefined && { claim: state.claim ?? line.claim }),
    });
  } else if (line.k === 'unclear') {
    prior.set(line.key, line.finished ? settled : { ...state, unsettledSince: { answeredAt: line.at } });
  } else if (line.k === 'unsent') {
    prior.set(line.key, settled);
  } else {
    prior.set(line.key, REUSABLE.has(line.outcome.status) ? { ...settled, done: line.outcome } : settled);
  }
}
