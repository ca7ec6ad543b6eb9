// The row model shared by every stage: readers produce SourceRows, validation turns them into
// AssignmentRecords, resolution and execution turn records into RowOutcomes, writers print both.

/** A calendar date as the sheet shows it. `iso` is `YYYY-MM-DD`; never a JS Date, so no time zone. */
export interface DateCell {
  readonly kind: 'date';
  readonly iso: string;
  /** `HH:MM:SS` when the cell also holds a time of day other than midnight. */
  readonly time?: string;
}

/** A spreadsheet error value such as `#N/A` or `#DIV/0!`, or a formula cell that has no value. */
export interface ErrorCell {
  readonly kind: 'error';
  readonly text: string;
  /**
   * Set for a formula that no program has calculated since it was written (XLSX): the cell has no
   * value at all, and `text` says so where the cell is written out.
   */
  readonly uncalculated?: true;
}

export type CellValue = string | number | boolean | null | DateCell | ErrorCell;

/** One line of the input, whatever its format. `sourceRow` is the 1-based row number a spreadsheet shows. */
export interface SourceRow {
  readonly sourceRow: number;
  readonly cells: readonly CellValue[];
  /** What the reader found wrong with the row itself (a ragged CSV line, an unreadable cell). */
  readonly problems?: readonly string[];
  /**
   * XLSX: the number format of each number cell shown other than General (a percent, a currency, a
   * time of day), by column, as the workbook wrote it, so the results show the number as the input did.
   */
  readonly formats?: NumberFormats;
}

/** Number format codes by column; undefined where a cell shows its number as General. */
export type NumberFormats = readonly (string | undefined)[];

export const FIELDS = [
  'client_email',
  'client_id',
  'package_name',
  'package_id',
  'valid_from',
  'valid_until',
  'price',
  'conversation_id',
] as const;
export type Field = (typeof FIELDS)[number];

/** Where each known field sits in the sheet, found from the header row. */
export interface ColumnMap {
  /** The header row's cells as text, in sheet order. */
  readonly headers: readonly string[];
  readonly headerRow: number;
  /** 0-based column index of each field the header provides. */
  readonly fields: Readonly<Partial<Record<Field, number>>>;
}

export type DateFormat = 'auto' | 'YYYY-MM-DD' | 'MM/DD/YYYY' | 'DD/MM/YYYY';

/**
 * A validated row. clientId, clientEmail or both are set (both when the row gives a client_id and a
 * readable email: the import checks that they name one client), and exactly one of packageName/packageId
 * (an id wins when a row has both). Dates are `YYYY-MM-DD`; price is a canonical decimal string
 * (`"1200.5"`, `"0"`), never a float, and absent when the sheet leaves it empty.
 */
export interface AssignmentRecord {
  readonly sourceRow: number;
  readonly clientEmail?: string;
  readonly clientId?: string;
  readonly packageName?: string;
  readonly packageId?: string;
  readonly validFrom: string;
  readonly validUntil?: string;
  readonly price?: string;
  /** Currency written with the price (`USD` for `$`, `EUR` for `€`, or an ISO code), when there was one. */
  readonly priceCurrency?: string;
  readonly conversationId?: string;
}

export const STATUSES = [
  'created',
  'skipped',
  'duplicate',
  'invalid',
  'failed',
  'would_create',
  'valid',
  'pending',
] as const;
export type Status = (typeof STATUSES)[number];

/** Statuses that make the run exit 0. */
export const SUCCESS_STATUSES: ReadonlySet<Status> = new Set(['created', 'skipped', 'would_create', 'valid']);

/** What happened to one input row: exactly one per data row. */
export interface RowOutcome {
  readonly sourceRow: number;
  readonly status: Status;
  /** A code from `errors.ts` for statuses other than success. */
  readonly code?: string;
  readonly message: string;
  readonly resolvedClientId?: string;
  readonly resolvedPackageId?: string;
  readonly clientPackageId?: string;
  readonly httpStatus?: number;
  readonly attempts?: number;
  /** The price sent (or that would be sent), canonical decimal, for the Summary totals. */
  readonly price?: string;
  readonly currency?: string;
}

/** The appended columns of the results sheet, in order. */
export const RESULT_COLUMNS = [
  'status',
  'message',
  'resolved_client_id',
  'resolved_package_id',
  'client_package_id',
  'http_status',
  'attempts',
  'source_row',
] as const;

/** Totals by currency code (`''` when unknown), canonical decimal strings. */
export type MoneyTotals = Readonly<Record<string, string>>;

export interface RunSummary {
  readonly command: 'validate' | 'import';
  readonly counts: Readonly<Record<Status, number>>;
  readonly rows: number;
  /** Total price of created rows (or would_create on a dry run). */
  readonly createdTotal: MoneyTotals;
  /** Total price of every row that had one (after resolution, the package price where the sheet was empty). */
  readonly sheetTotal: MoneyTotals;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly inputFile: string;
  readonly sheet?: string;
  readonly apiUrl?: string;
  readonly fallbackUrl?: string;
  /** The options of the run as a person would read them; never the token. */
  readonly options: Readonly<Record<string, string>>;
  readonly interrupted: boolean;
}
