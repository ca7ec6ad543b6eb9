// Which cell goes in which column of the results and retry sheets, whatever their format.
import { RESULT_COLUMNS, type CellValue, type NumberFormats, type RowOutcome, type SourceRow, type Status } from '../pipeline/types.js';

/** The rows a person fixes and imports again; the retry file holds these and nothing else. */
export const RETRY_STATUSES: ReadonlySet<Status> = new Set(['failed', 'invalid', 'pending']);

/** How a sheet's columns are laid out: the input's, then ours. Widths are 0-based column counts. */
export interface SheetLayout {
  readonly header: readonly CellValue[];
  /** 0-based column of `status`, coloured in XLSX; absent in the retry sheet. */
  readonly statusColumn?: number;
  /** 0-based column of `message`: long server text, so a wide column. */
  readonly messageColumn: number;
  /** 0-based column where the columns this tool adds begin. */
  readonly addedFrom: number;
}

/**
 * The original header, padded to its own width, then RESULT_COLUMNS. A retry file imported again ends
 * in the `message` column an earlier run wrote: in the results it is headed `earlier message`, so the
 * sheet has one `message` column, this run's.
 */
export function resultsLayout(header: SourceRow, fromRetryFile: boolean): SheetLayout {
  const width = header.cells.length;
  const carried = endsInRetryMessage(header, fromRetryFile) ? [...header.cells.slice(0, -1), EARLIER_MESSAGE] : header.cells;
  return {
    header: [...carried, ...RESULT_COLUMNS],
    statusColumn: width + RESULT_COLUMNS.indexOf('status'),
    messageColumn: width + RESULT_COLUMNS.indexOf('message'),
    addedFrom: width,
  };
}

/**
 * One results row: the original cells padded to the header's width, the outcome's columns, then any
 * cells of a ragged row beyond the header, so nothing the input held is lost or shifted.
 */
export function resultsRow(row: SourceRow, outcome: RowOutcome, headerWidth: number): CellValue[] {
  const { cells } = row;
  // Built in one array: this runs once a row, for a million rows.
  const out: CellValue[] = new Array<CellValue>(headerWidth + RESULT_COLUMNS.length + Math.max(0, cells.length - headerWidth));
  for (let i = 0; i < headerWidth; i++) out[i] = cells[i] ?? null;
  let at = headerWidth;
  for (const column of RESULT_COLUMNS) out[at++] = outcomeCell(outcome, column);
  for (let i = headerWidth; i < cells.length; i++) out[at++] = cells[i] ?? null;
  return out;
}

function outcomeCell(outcome: RowOutcome, column: (typeof RESULT_COLUMNS)[number]): CellValue {
  switch (column) {
    case 'status':
      return outcome.status;
    case 'message':
      return outcome.message;
    case 'resolved_client_id':
      return outcome.resolvedClientId ?? null;
    case 'resolved_package_id':
      return outcome.resolvedPackageId ?? null;
    case 'client_package_id':
      return outcome.clientPackageId ?? null;
    case 'http_status':
      return outcome.httpStatus ?? null;
    case 'attempts':
      return outcome.attempts ?? null;
    case 'source_row':
      return outcome.sourceRow;
  }
}

/** The header of the column the retry sheet adds, exactly as written. */
const RETRY_MESSAGE = 'message';
const EARLIER_MESSAGE = 'earlier message';

/**
 * Whether the header ends in the `message` column this tool adds: a retry file's (named `NAME.retry.EXT`),
 * spelled exactly as written. Any other sheet's last column named so is the user's own.
 */
const endsInRetryMessage = (header: SourceRow, fromRetryFile: boolean): boolean => fromRetryFile && header.cells.at(-1) === RETRY_MESSAGE;

/**
 * The retry sheet: the original header plus `message`. A retry file of an earlier run imported again
 * already ends in it: the new message replaces the old one rather than adding a second `message` column
 * on every round of fixes. A column of the user's own, such as `Message`, or `message` in a sheet not
 * named as a retry file, is carried through like any other.
 */
export function retryLayout(header: SourceRow, fromRetryFile: boolean): SheetLayout {
  const width = header.cells.length;
  if (endsInRetryMessage(header, fromRetryFile)) {
    return { header: [...header.cells], messageColumn: width - 1, addedFrom: width - 1 };
  }
  return { header: [...header.cells, RETRY_MESSAGE], messageColumn: width, addedFrom: width };
}

/**
 * The number formats of a row's cells that keep their column in an output sheet: those before `width`,
 * the header's width in the results, the message column in a retry sheet. Cells past it move.
 */
export function formatsWithin(row: SourceRow, width: number): NumberFormats | undefined {
  const { formats } = row;
  return formats === undefined || formats.length <= width ? formats : formats.slice(0, width);
}

/** One retry row: the original cells up to the retry layout's `messageColumn`, the message, then any cells of a ragged row beyond the header. */
export function retryRow(row: SourceRow, outcome: RowOutcome, messageColumn: number, headerWidth: number): CellValue[] {
  return [...within(row, messageColumn), outcome.message, ...row.cells.slice(headerWidth)];
}

function within(row: SourceRow, width: number): CellValue[] {
  const cells: CellValue[] = row.cells.slice(0, width);
  while (cells.length < width) cells.push(null);
  return cells;
}
