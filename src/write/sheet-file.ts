// One output sheet on disk: the format's writer over a temp file that is renamed into place at the end.
import type { CellValue, NumberFormats, RunSummary } from '../pipeline/types.js';
import { TempFile } from './atomic.js';
import { CsvSheet, type CsvDelimiter } from './csv.js';
import type { SheetLayout } from './layout.js';
import { delimiterOf } from './target.js';
import { XlsxSheet } from './xlsx.js';

export interface SheetFileOptions {
  readonly path: string;
  readonly format: 'xlsx' | 'csv';
  readonly layout: SheetLayout;
  /** XLSX only: the worksheet's name. */
  readonly sheetName: string;
  /** XLSX only: an autofilter over the rows. */
  readonly autoFilter: boolean;
  /** CSV only: the input's delimiter, when it was delimited text. */
  readonly inputDelimiter?: CsvDelimiter;
}

export class SheetFile {
  private constructor(
    private readonly file: TempFile,
    private readonly sheet: CsvSheet | XlsxSheet,
  ) {}

  static async open(options: SheetFileOptions): Promise<SheetFile> {
    const file = await TempFile.create(options.path);
    const sheet =
      options.format === 'xlsx'
        ? new XlsxSheet({ sink: file.sink, sheetName: options.sheetName, layout: options.layout, autoFilter: options.autoFilter })
        : new CsvSheet(file.sink, delimiterOf(options.path, options.inputDelimiter), options.layout.header);
    return new SheetFile(file, sheet);
  }

  get path(): string {
    return this.file.finalPath;
  }

  /** A promise only when the caller must wait before the next row. */
  addRow(cells: readonly CellValue[], formats?: NumberFormats): Promise<void> | undefined {
    return this.sheet.addRow(cells, formats);
  }

  /** Writes the end of the file into the temp file (a failed write is thrown here); nothing is in place yet. */
  async complete(summary?: RunSummary): Promise<void> {
    await this.sheet.close(summary);
    await this.file.written();
  }

  publish(): Promise<void> {
    return this.file.publish();
  }

  async discard(): Promise<void> {
    this.sheet.abort();
    await this.file.discard();
  }
}

const FORBIDDEN_IN_SHEET_NAME = /[[\]:*?/\\]/g;

/**
 * A worksheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, no quote at either end,
 * and not `History` (reserved) or `Summary` (ours). Anything else falls back to `Results`.
 */
export function excelSheetName(name: string | undefined): string {
  const cleaned = (name ?? '')
    .replace(FORBIDDEN_IN_SHEET_NAME, '_')
    .slice(0, 31)
    .replace(/^'+|'+$/g, '')
    .trim();
  const lower = cleaned.toLowerCase();
  if (cleaned === '' || lower === 'history' || lower === 'summary') return 'Results';
  return cleaned;
}
