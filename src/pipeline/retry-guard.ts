// The tool's own files imported again where that could bill twice with --on-existing create: a retry
// file while the import that wrote it can still be resumed (both would send its pending rows), and a
// results file (its rows already created would be created again).
import { access, readdir } from 'node:fs/promises';
import { basename, join, parse, resolve } from 'node:path';
import { RunError } from '../errors.js';
import { journalHeaderOf, journalPathOf, type JournalHeader } from '../execute/journal.js';
import { journalRunsOf } from '../execute/journal-lines.js';
import { journalNotedFor, placeOf } from '../execute/sheet-lock.js';
import { RunLock } from '../execute/run-lock.js';
import { resultsTarget, retriedSheetName, type ResultsTarget } from '../write/target.js';
import type { ImportOptions } from './options.js';
import type { SourceRow } from './types.js';

/** The unfinished import a retry file came from: its results and journal, its journal's first line, and its sheet when that is beside it. */
export interface UnfinishedOriginal {
  readonly results: string;
  readonly journal: string;
  readonly header: JournalHeader;
  readonly sheet?: string;
}

// The formats a sheet may have been read from, in the order a retry file of that extension most likely came from.
const SHEET_EXTENSIONS = ['.csv', '.xlsx', '.tsv', '.txt', '.xlsm', '.xls', '.ods'];

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/** Whether a journal, by its first line, may hold creates of the server this import sends to. */
export type SameServer = (header: JournalHeader) => boolean;

/**
 * When `file` is the retry file of an import whose journal is still there and counts for this one. The
 * journal is in the retry file's folder, beside that import's results: under their default name
 * (`--out` a folder included), or under any name when the journal names the retry file (journals begun
 * by earlier versions do not).
 */
export async function unfinishedOriginal(file: string, sameServer: SameServer): Promise<UnfinishedOriginal | undefined> {
  const retryPath = resolve(file);
  const { dir, ext } = parse(retryPath);
  const sheetName = retriedSheetName(retryPath);
  if (sheetName === undefined) return undefined;
  // The results and retry files share a folder and an extension: the sheet `NAME<ext>` names both.
  const original = targetOf(join(dir, sheetName + ext));
  if (original?.retryPath !== retryPath) return undefined;
  const atDefault = await journalHeaderOf(journalPathOf(original.resultsPath));
  const found = atDefault && sameServer(atDefault) ? { results: original.resultsPath, header: atDefault } : await resultsNamingRetryFile(dir, basename(retryPath), sameServer);
  if (found === undefined) return undefined;
  const { results, header } = found;
  for (const sheetExt of [ext, ...SHEET_EXTENSIONS]) {
    const sheet = join(dir, sheetName + sheetExt);
    if (targetOf(sheet)?.retryPath === retryPath && (await exists(sheet))) return { results, journal: journalPathOf(results), header, sheet };
  }
  return { results, journal: journalPathOf(results), header };
}

/** The results, named by `--out`, whose journal in `dir` names the retry file `retryName` and this server. */
async function resultsNamingRetryFile(dir: string, retryName: string, sameServer: SameServer): Promise<{ results: string; header: JournalHeader } | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.endsWith(JOURNAL_SUFFIX))) {
    const header = await journalHeaderOf(join(dir, name));
    if (header?.retry === retryName && sameServer(header)) return { results: join(dir, name.slice(0, -JOURNAL_SUFFIX.length)), header };
  }
  return undefined;
}

/** What journalPathOf adds to a results path. */
const JOURNAL_SUFFIX = journalPathOf('');

function targetOf(sheet: string): ResultsTarget | undefined {
  try {
    return resultsTarget(sheet);
  } catch {
    return undefined;
  }
}

/**
 * Refuses, before anything is sent, to import a retry file while the import that wrote it can still be
 * resumed, where both could send its pending rows: with `--on-existing create`; when that import ran
 * with it (resumed, it would not look for the packages made here); when it sent creates whose outcome
 * never came back (made late, they would be made twice); while it is running; or when `ownJournal`, this
 * run's, is that import's. Otherwise (the existing-package check is on, or a dry run creates nothing) a
 * warning through `log`. What it returns, that import's journal lock, is held until this run ends:
 * that import cannot resume meanwhile.
 */
export async function guardRetryImport(options: ImportOptions, ownJournal: string, sameServer: SameServer, log: (line: string) => void): Promise<RunLock | undefined> {
  const original = await unfinishedOriginal(options.file, sameServer);
  if (!original) return undefined;
  const of = original.sheet === undefined ? `whose results are ${basename(original.results)}` : `of ${basename(original.sheet)}`;
  const unfinished =
    `${basename(options.file)} holds rows of an import ${of} that has not finished and can still be resumed ` +
    `(its journal ${basename(original.journal)} is there).`;
  const refuse = (why: string) => new RunError('RETRY_OF_UNFINISHED', `${unfinished} Run that import again first to finish it, then import the rows it still lists here; ${why}`);
  if (options.dryRun) {
    log(`Warning: ${unfinished} Better finish that import first.`);
    return undefined;
  }
  if (resolve(ownJournal) === resolve(original.journal)) throw refuse('--out names its own results, and this import needs results of its own.');
  if ((options.onExisting ?? 'skip') === 'create') throw refuse('importing both could create the same package twice, since --on-existing create does not check for it.');
  const journal = await journalRunsOf(original.journal);
  if (journal?.runs.some((run) => run.create)) throw refuse('that import ran with --on-existing create, so resumed after this one it would make again the packages made here.');
  if ((journal?.left.unsettled ?? 0) > 0) throw refuse('it sent creates whose outcome never came back, which the platform may still make: resumed, it reads them back first.');
  const held = await RunLock.acquire(`${original.journal}.lock`).catch((error: unknown) => {
    if (error instanceof RunError && error.code === 'RUN_IN_PROGRESS') throw refuse(`it is running now, and both would send the same rows (${error.message})`);
    throw error;
  });
  log(
    `Warning: ${unfinished} Better finish that import first; ` +
      'run after this one, it must keep --on-existing skip to find the packages made here.',
  );
  return held;
}

/**
 * Refuses, before anything is sent, an import whose retry file was imported and that import has not
 * finished: it may have sent creates of the same rows whose outcome is not known yet, which this run
 * would send again. Its journal is found by the retry file's note (sheet-lock.ts) or beside it.
 */
export async function guardOwnRetryFile(target: ResultsTarget, sameServer: SameServer): Promise<void> {
  const retry = target.retryPath;
  if (!(await exists(retry))) return;
  const beside = targetOf(retry);
  const own = await placeOf(journalPathOf(target.resultsPath));
  const journals = [await journalNotedFor(retry), beside && journalPathOf(beside.resultsPath)];
  for (const path of journals) {
    if (path === undefined || (await placeOf(path)) === own) continue;
    const journal = await journalRunsOf(path);
    if (!journal || !sameServer(journal.runs[0]!) || !journal.left.holdsRows) continue;
    throw new RunError(
      'RETRY_IMPORT_UNFINISHED',
      `This import's retry file ${basename(retry)} was imported, and that import has not finished (its journal ${path} is there): ` +
        'it may have sent creates of the same rows whose outcome is not known yet.',
    );
  }
}

/**
 * Refuses a results file imported with `--on-existing create`, once its header is read and before any
 * row is sent, dry run or not: rows it shows as created would be created again. With `skip` (the
 * existing-package check finds them), a warning through `log`. Known by two of the columns results
 * add, wherever they stand: columns moved, removed or added in Excel do not hide it.
 */
export function guardResultsImport(options: ImportOptions, header: SourceRow, log: (line: string) => void): void {
  if (!RESULTS_MARKS.every((column) => header.cells.includes(column))) return;
  const what = `${basename(options.file)} looks like the results of an earlier run (it has the columns ${RESULTS_MARKS.join(' and ')})`;
  if ((options.onExisting ?? 'skip') === 'create') {
    throw new RunError('RESULTS_AS_INPUT', `${what}: imported with --on-existing create, any of its rows already created would be created a second time.`);
  }
  log(`Warning: ${what}. Its rows already created are found on the platform and skipped.`);
}

/** Columns results add that a sheet of the user's is all but sure not to have both of. */
const RESULTS_MARKS: readonly string[] = ['status', 'client_package_id'];
