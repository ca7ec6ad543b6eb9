// The tool's own files imported again where that could bill twice with --on-existing create: a retry
// file while the import that wrote it can still be resumed (both would send its pending rows), and a
// results file (its rows already created would be created again).
import { access, readdir } from 'node:fs/promises';
import { basename, join, parse, resolve } from 'node:path';
import { RunError } from '../errors.js';
import { journalHeaderOf, journalPathOf, type JournalHeader } from '../execute/journal.js';
import { resultsTarget, retriedSheetName, type ResultsTarget } from '../write/target.js';
import type { ImportOptions } from './options.js';
import type { SourceRow } from './types.js';

/** The unfinished import a retry file came from: its results and journal, and its sheet when that is beside it. */
export interface UnfinishedOriginal {
  readonly results: string;
  readonly journal: string;
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
  const header = await journalHeaderOf(journalPathOf(original.resultsPath));
  const results = header && sameServer(header) ? original.resultsPath : await resultsNamingRetryFile(dir, basename(retryPath), sameServer);
  if (results === undefined) return undefined;
  for (const sheetExt of [ext, ...SHEET_EXTENSIONS]) {
    const sheet = join(dir, sheetName + sheetExt);
    if (targetOf(sheet)?.retryPath === retryPath && (await exists(sheet))) return { results, journal: journalPathOf(results), sheet };
  }
  return { results, journal: journalPathOf(results) };
}

/** The results, named by `--out`, whose journal in `dir` names the retry file `retryName` and this server. */
async function resultsNamingRetryFile(dir: string, retryName: string, sameServer: SameServer): Promise<string | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.endsWith(JOURNAL_SUFFIX))) {
    const header = await journalHeaderOf(join(dir, name));
    if (header?.retry === retryName && sameServer(header)) return join(dir, name.slice(0, -JOURNAL_SUFFIX.length));
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
 * Refuses, before anything is sent, to import a retry file with `--on-existing create` while the import
 * that wrote it can still be resumed; otherwise (the existing-package check is on, or a dry run creates
 * nothing) a warning through `log`.
 */
export async function guardRetryImport(options: ImportOptions, sameServer: SameServer, log: (line: string) => void): Promise<void> {
  const original = await unfinishedOriginal(options.file, sameServer);
  if (!original) return;
  const of = original.sheet === undefined ? `whose results are ${basename(original.results)}` : `of ${basename(original.sheet)}`;
  const unfinished =
    `${basename(options.file)} holds rows of an import ${of} that has not finished and can still be resumed ` +
    `(its journal ${basename(original.journal)} is there).`;
  if ((options.onExisting ?? 'skip') === 'create' && !options.dryRun) {
    throw new RunError(
      'RETRY_OF_UNFINISHED',
      `${unfinished} Run that import again first to finish it, then import the rows it still lists here; ` +
        'importing both could create the same package twice, since --on-existing create does not check for it.',
    );
  }
  log(
    `Warning: ${unfinished} Better finish that import first; ` +
      'run after this one, it must keep --on-existing skip to find the packages made here.',
  );
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
