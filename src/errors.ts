// Every error code, once. Run-level codes stop the run (exit 2) and carry what to do next;
// row-level codes end up in a row's `message` and the run goes on.

export const RUN_ERRORS = {
  USAGE: 'Run `client-packages --help` for the commands and options.',
  FILE_NOT_FOUND: 'Check the path and try again.',
  FILE_UNREADABLE: 'Check that the file is readable and not open in another program that locks it.',
  FILE_EMPTY: 'Export the sheet again, with a header row and at least one data row.',
  FILE_ENCRYPTED: 'Open it in Excel, remove the password (File > Info > Protect Workbook), save, and run again.',
  FILE_CORRUPT: 'Open the file in Excel or LibreOffice and save it again as .xlsx or .csv.',
  UNKNOWN_FORMAT: 'Save the sheet as .xlsx or .csv (UTF-8) and run again.',
  SHEET_NOT_FOUND: 'Pass one of the sheet names shown with --sheet.',
  NO_HEADER: 'Add a header row (see `client-packages template`) or name columns with --map "Header Text=field".',
  MISSING_FIELDS: 'Rename the columns, or map them with --map "Header Text=field".',
  OUTPUT_IS_INPUT: 'Choose another --out path; the input file is never overwritten.',
  CONFIG: 'Check the option and the environment variables (PLATFORM_API_URL, PLATFORM_FALLBACK_API_URL, PLATFORM_STAFF_TOKEN).',
  INSECURE_URL: 'Use https://, or pass --allow-insecure-http if you really mean to send the token unencrypted.',
  TOKEN_MISSING: 'Set PLATFORM_STAFF_TOKEN in the environment or in a file given with --env-file.',
  TOKEN_IN_URL:
    'Put the token only in PLATFORM_STAFF_TOKEN (the environment or a file given with --env-file), give the URL as the API address alone (like https://api.example.com), and run again.',
  TOKEN_AS_OPTION: 'The token is read only from PLATFORM_STAFF_TOKEN, in the environment or in a file given with --env-file; it is never given as an option.',
  TOKEN_REJECTED: 'Check PLATFORM_STAFF_TOKEN: the platform did not accept it.',
  TOKEN_NOT_STAFF: 'Creating client packages needs a staff token; the token given is a directory token.',
  API_UNREACHABLE: 'Check the API URLs and your network, then run again.',
  RUN_IN_PROGRESS: 'Wait for the other run to finish (or stop it with Ctrl-C), then run again: it resumes where that one stopped.',
  DUPLICATE_COLUMNS: 'Rename one of the columns, or say which one to use with --map "Header Text=field".',
  OUTPUT_EXISTS: 'Choose another --out path, or move the existing file away first.',
  OUTPUT_UNWRITABLE: 'Close the file if it is open in Excel or LibreOffice, check that the folder is writable, and run again.',
  FOLDER_UNWRITABLE: 'Check that you can write in that folder, or run the command from (or write with --out to) a folder you can write in, such as your home folder.',
  UNSETTLED_ELSEWHERE:
    "Run the same command against that run's URLs first (it reads those creates back), or pass --out to keep this run's results and journal elsewhere, or delete the journal if nothing was created for real there.",
  RETRY_OF_UNFINISHED:
    'Once that import has finished (its journal is removed then), its retry file lists only the rows still to fix: import that one.',
  RETRY_IMPORT_UNFINISHED:
    'Run the import of the retry file again to finish it (it reads back what it sent), then run this one: it finds the packages made there. If that import is not to be finished, check its clients on the platform, then delete its journal.',
  CREATED_ELSEWHERE:
    "Run the same command against that import's URLs first to finish it, or pass --out to keep this run's results and journal elsewhere, or use --on-existing skip (it finds packages already there).",
  REHEARSAL_OVER_IMPORT: 'Finish that import first (run its command again), or rehearse with --out naming another folder.',
  JOURNAL_ELSEWHERE:
    'Rows already done there are not sent again. If that import is not to be finished, delete its journal (a create it sent may still be made on the platform: check those clients first), then run again.',
  RESULTS_AS_INPUT: 'Import the sheet itself, or the retry file written beside these results (the rows still to fix).',
  JOURNAL_UNWRITABLE: 'Free some disk space or make the folder writable, then run the same command again: it reads back every row that was under way before sending anything.',
} as const;
export type RunErrorCode = keyof typeof RUN_ERRORS;

const DISK_FULL_ADVICE =
  'Free some disk space, then run the same command again: an interrupted import resumes, and the rows already done are not sent again.';

/** An error that stops the whole run before or while it starts: the CLI exits 2 with its message. */
export class RunError extends Error {
  override readonly name = 'RunError';
  constructor(
    readonly code: RunErrorCode,
    message: string,
    /** What to do next where this case needs other words than its code's. */
    private readonly ownAdvice?: string,
  ) {
    super(message);
  }

  /** The message and what to do next, as shown to a person. */
  get advice(): string {
    return this.ownAdvice ?? RUN_ERRORS[this.code];
  }
}

/**
 * A file or folder that could not be written: `what` and the cause in a few words. A full disk needs
 * other advice than a file open in Excel or a folder not one's own.
 */
export function writeError(code: 'OUTPUT_UNWRITABLE' | 'FOLDER_UNWRITABLE', what: string, error: unknown): RunError {
  const errno = (error as NodeJS.ErrnoException).code;
  return new RunError(code, `${what}: ${fileErrorText(error)}.`, errno === 'ENOSPC' || errno === 'EDQUOT' ? DISK_FULL_ADVICE : undefined);
}

/** Codes that end up on a row: the run goes on. */
export const ROW_CODES = {
  INVALID: 'INVALID',
  DUPLICATE: 'DUPLICATE',
  CLIENT_NOT_FOUND: 'CLIENT_NOT_FOUND',
  CLIENT_AMBIGUOUS: 'CLIENT_AMBIGUOUS',
  CLIENT_MISMATCH: 'CLIENT_MISMATCH',
  PACKAGE_NOT_FOUND: 'PACKAGE_NOT_FOUND',
  PACKAGE_AMBIGUOUS: 'PACKAGE_AMBIGUOUS',
  PACKAGE_INACTIVE: 'PACKAGE_INACTIVE',
  CURRENCY_MISMATCH: 'CURRENCY_MISMATCH',
  LOOKUP_FAILED: 'LOOKUP_FAILED',
  API_REJECTED: 'API_REJECTED',
  API_UNAVAILABLE: 'API_UNAVAILABLE',
  OUTCOME_UNKNOWN: 'OUTCOME_UNKNOWN',
  INTERRUPTED: 'INTERRUPTED',
} as const;
export type RowCode = keyof typeof ROW_CODES;

/** What went wrong with a file, in a few words for a person. */
export function fileErrorText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EBUSY') return 'the file is open in another program';
  if (code === 'ENOSPC') return 'the disk is full';
  if (code === 'EDQUOT') return 'your disk quota is used up';
  if (code === 'EROFS') return 'the disk is read-only';
  if (code === 'ENOENT') return 'a file or folder on the path is missing';
  if (code === 'ENOTDIR') return 'a part of the path is a file, not a folder';
  if (code === 'EISDIR') return 'a folder of that name is in the way';
  if (code === 'EEXIST') return 'a file of that name is in the way';
  return error instanceof Error ? error.message : String(error);
}
