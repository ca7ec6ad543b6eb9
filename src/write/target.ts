// Where the results and retry files go, and the one rule about them: never the input file.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, parse, resolve, sep } from 'node:path';
import { RunError } from '../errors.js';
import type { CsvDelimiter } from './csv.js';

export interface ResultsTarget {
  resultsPath: string;
  retryPath: string;
  format: 'xlsx' | 'csv';
}

/** The format a path's extension asks for: `.xlsx` is a workbook, anything else is delimited text. */
export function formatOf(path: string): 'xlsx' | 'csv' {
  return extname(path).toLowerCase() === '.xlsx' ? 'xlsx' : 'csv';
}

/**
 * Tab-separated for `.tsv`, so the file opens in columns wherever a `.tsv` does. Otherwise the
 * input's own delimiter when it was delimited text: a sheet saved with `;` by an Excel whose
 * locale writes decimal commas opens in columns there only if the results use `;` too.
 */
export function delimiterOf(path: string, inputDelimiter?: CsvDelimiter): CsvDelimiter {
  if (extname(path).toLowerCase() === '.tsv') return '\t';
  return inputDelimiter ?? ',';
}

// "Same extension as the input", except where that extension would promise something the file is
// not: a macro-enabled `.xlsm` (we write no macros) or an extension we cannot write at all.
function resultsExtension(inputExt: string): string {
  const lower = inputExt.toLowerCase();
  if (lower === '.xlsx' || lower === '.csv' || lower === '.tsv' || lower === '.txt') return inputExt;
  if (lower === '.xlsm') return '.xlsx';
  return '.csv';
}

/** Spreadsheet formats other than .xlsx, which a results file named so would claim to be. */
const UNWRITABLE_SPREADSHEETS: ReadonlySet<string> = new Set(['.xls', '.xlsm', '.xlsb', '.ods', '.numbers']);

/** The names a results (or template) file may have: a workbook, or delimited text a spreadsheet opens. */
const WRITTEN_EXTENSIONS: ReadonlySet<string> = new Set(['.xlsx', '.csv', '.tsv', '.txt']);

/**
 * Refuses a file name whose extension promises a format that is not written: text under `.xls`,
 * `.pdf` or `.json` would not open as one. A name with no extension is taken as CSV.
 */
export function checkResultsExtension(path: string): void {
  const ext = extname(path);
  if (ext === '' || WRITTEN_EXTENSIONS.has(ext.toLowerCase())) return;
  const why = UNWRITABLE_SPREADSHEETS.has(ext.toLowerCase())
    ? `a ${ext} file cannot be written here, and text under that name would not open as one`
    : `${ext} is not a format written here`;
  throw new RunError('USAGE', `--out ${basename(path)}: ${why}; name it .xlsx, or .csv, .tsv or .txt (delimited text).`);
}

/** The sheet a retry file `NAME.retry.EXT` was written for is `NAME`; undefined for a file not named so. */
export function retriedSheetName(path: string): string | undefined {
  return /^(.+)\.retry$/i.exec(parse(path).name)?.[1];
}

export function resultsTarget(inputPath: string, out?: string): ResultsTarget {
  const input = resolve(inputPath);
  const { dir, name, ext } = parse(input);
  const defaultName = `${name}.results${resultsExtension(ext)}`;
  let resultsPath: string;
  if (out === undefined || out === '') {
    resultsPath = join(dir, defaultName);
  } else if (out.endsWith('/') || out.endsWith(sep) || isDirectory(out)) {
    // `--out reports/` means "into that folder, under the usual name".
    resultsPath = join(resolve(out), defaultName);
  } else {
    resultsPath = resolve(out);
  }
  checkResultsExtension(resultsPath);
  const resultsExt = extname(resultsPath) || '.csv';
  const retryPath = join(dirname(resultsPath), `${name}.retry${resultsExt}`);
  const target: ResultsTarget = { resultsPath, retryPath, format: formatOf(resultsPath) };
  checkTarget(input, target);
  return target;
}

/** Refuses a target that would overwrite the input, or whose two files would be one. */
export function checkTarget(inputPath: string, target: ResultsTarget): void {
  for (const path of [target.resultsPath, target.retryPath]) {
    if (isSameFile(inputPath, path)) {
      throw new RunError('OUTPUT_IS_INPUT', `${path} is the input file; results never overwrite the sheet they come from.`);
    }
  }
  if (isSameFile(target.resultsPath, target.retryPath)) {
    throw new RunError(
      'USAGE',
      `--out ${basename(target.resultsPath)} is the name of the retry file; choose a results name that does not end in .retry${extname(target.retryPath)}.`,
    );
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

// Compared through real paths (symlinks, `..`, the case a case-insensitive disk ignores) and, when both
// exist, through device and inode, so a hard link or a differently spelled path is still caught.
function isSameFile(a: string, b: string): boolean {
  if (canonical(a) === canonical(b)) return true;
  if (!existsSync(a) || !existsSync(b)) return false;
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino && sa.ino !== 0;
  } catch {
    return false;
  }
}

function canonical(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync.native(absolute);
  } catch {
    // Not there yet: its folder may still be a symlink to the input's folder.
    try {
      return join(realpathSync.native(dirname(absolute)), basename(absolute));
    } catch {
      return absolute;
    }
  }
}
