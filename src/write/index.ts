// The results writer: one results row per input row, the retry file beside it, both put in place at
// the end by rename so a good earlier file is only ever replaced by a complete new one.
import { dirname } from 'node:path';
import { RunError, writeError } from '../errors.js';
import type { RowOutcome, RunSummary, SourceRow } from '../pipeline/types.js';
import { removeIfPresent } from './atomic.js';
import { formatsWithin, RETRY_STATUSES, resultsLayout, resultsRow, retryLayout, retryRow, type SheetLayout } from './layout.js';
import type { CsvDelimiter } from './csv.js';
import { excelSheetName, SheetFile } from './sheet-file.js';
import { checkTarget, retriedSheetName, type ResultsTarget } from './target.js';

export { resultsTarget, type ResultsTarget } from './target.js';
export { RETRY_STATUSES } from './layout.js';
export { neutralise } from './csv.js';

export interface OpenResultsOptions {
  target: ResultsTarget;
  inputPath: string;
  header: SourceRow;
  /** The input's sheet name, reused for the XLSX results and retry sheets (default `Results`). */
  sheetName?: string;
  /** The input's delimiter when it was CSV, reused for CSV results and retry files (default `,`; `.tsv` files always tab). */
  delimiter?: CsvDelimiter;
  /** The row as the retry file writes it, when that differs from the input (see RecordStream.datesAsRead). */
  forRetry?: (row: SourceRow) => SourceRow;
}

export interface ResultsWriter {
  /** Rows come in input order, one per input data row. */
  write(row: SourceRow, outcome: RowOutcome): Promise<void>;
  /**
   * The same as `write`, done at once when nothing is pending: a promise comes back only when the
   * caller must wait (the disk is behind, or a file is being opened), and a row that cannot be
   * written throws at once. For callers that write a row at a time by the hundred thousand, where a
   * promise per row costs as much as the row.
   */
  add(row: SourceRow, outcome: RowOutcome): Promise<void> | undefined;
  /** Completes both files and moves them into place atomically (temp file + rename). Removes a stale retry file of an earlier run when this run has no retry rows. */
  finish(summary: RunSummary): Promise<WrittenFiles>;
  /** Drops the temp files (nothing half-written is left where the results go). */
  abort(): Promise<void>;
}

export interface WrittenFiles {
  results: string;
  retry?: string;
}

export async function openResultsWriter(options: OpenResultsOptions): Promise<ResultsWriter> {
  checkTarget(options.inputPath, options.target);
  const results = await SheetFile.open({
    path: options.target.resultsPath,
    format: options.target.format,
    layout: resultsLayout(options.header, retriedSheetName(options.inputPath) !== undefined),
    sheetName: excelSheetName(options.sheetName),
    autoFilter: true,
    inputDelimiter: options.delimiter,
  });
  return new ResultsFiles(options, results);
}

type State = 'open' | 'finished' | 'aborted';

class ResultsFiles implements ResultsWriter {
  private retry: SheetFile | undefined;
  private readonly retryLayout: SheetLayout;
  private state: State = 'open';
  /**
   * The write still under way, if any. Writes run one after another even if a caller does not wait:
   * row order is the file's order. A failed write does not stop the ones after it from being tried.
   */
  private pending: Promise<void> | undefined;

  constructor(
    private readonly options: OpenResultsOptions,
    private readonly results: SheetFile,
  ) {
    this.retryLayout = retryLayout(options.header, retriedSheetName(options.inputPath) !== undefined);
  }

  write(row: SourceRow, outcome: RowOutcome): Promise<void> {
    try {
      return this.add(row, outcome) ?? Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  add(row: SourceRow, outcome: RowOutcome): Promise<void> | undefined {
    if (this.pending) {
      const next = () => this.writeNow(row, outcome);
      return this.track(this.pending.then(next, next));
    }
    let wait: Promise<void> | undefined;
    try {
      wait = this.writeNow(row, outcome);
    } catch (error) {
      throw this.unwritable(error);
    }
    return wait && this.track(wait);
  }

  /** A file system error while writing rows, as a run error naming the folder of the results. */
  private unwritable(error: unknown): unknown {
    if (error instanceof RunError || !(error as NodeJS.ErrnoException).code) return error;
    const folder = dirname(this.options.target.resultsPath);
    return writeError('OUTPUT_UNWRITABLE', `Cannot write the results in ${folder}`, error);
  }

  /** The write as `pending` until it settles; cleared before its caller, awaiting it, goes on. */
  private track(wait: Promise<void>): Promise<void> {
    const tracked: Promise<void> = wait.then(
      () => {
        if (this.pending === tracked) this.pending = undefined;
      },
      (error: unknown) => {
        if (this.pending === tracked) this.pending = undefined;
        throw this.unwritable(error);
      },
    );
    this.pending = tracked;
    return tracked;
  }

  /** Waits for the write under way, whatever its outcome (its caller has that). */
  private async settled(): Promise<void> {
    await this.pending?.catch(() => undefined);
  }

  /** Writes the row; a promise when it has to wait for something first. */
  private writeNow(row: SourceRow, outcome: RowOutcome): Promise<void> | undefined {
    if (this.state !== 'open') throw new Error(`results writer is ${this.state}`);
    if (row.sourceRow !== outcome.sourceRow) {
      // A mismatch would annotate a row with another row's outcome: a bug, never written.
      throw new Error(`outcome of row ${outcome.sourceRow} given for row ${row.sourceRow}`);
    }
    const { header } = this.options;
    const written = this.results.addRow(resultsRow(row, outcome, header.cells.length), formatsWithin(row, header.cells.length));
    // A row whose create may have been made is not one to import again elsewhere: only the same
    // command, whose journal remembers it, reads it back before sending.
    if (!RETRY_STATUSES.has(outcome.status) || outcome.code === 'OUTCOME_UNKNOWN') return written;
    const retried = () => this.writeRetry(row, outcome);
    return written ? written.then(retried) : retried();
  }

  private writeRetry(row: SourceRow, outcome: RowOutcome): Promise<void> | undefined {
    const source = this.options.forRetry?.(row) ?? row;
    const { messageColumn } = this.retryLayout;
    const cells = retryRow(source, outcome, messageColumn, this.options.header.cells.length);
    const formats = formatsWithin(source, messageColumn);
    if (this.retry) return this.retry.addRow(cells, formats);
    return this.openRetry().then((retry) => {
      this.retry ??= retry;
      return this.retry.addRow(cells, formats);
    });
  }

  // Opened at the first row that needs it, so a run with nothing to retry never creates the file.
  private openRetry(): Promise<SheetFile> {
    return SheetFile.open({
      path: this.options.target.retryPath,
      format: this.options.target.format,
      layout: this.retryLayout,
      sheetName: excelSheetName(this.options.sheetName),
      autoFilter: false,
      inputDelimiter: this.options.delimiter,
    });
  }

  async finish(summary: RunSummary): Promise<WrittenFiles> {
    await this.settled();
    if (this.state !== 'open') throw new Error(`results writer is ${this.state}`);
    this.state = 'finished';
    try {
      await this.results.complete(summary);
      await this.retry?.complete();
      // The retry file first: once the new results are in place, the retry file beside them is theirs.
      if (this.retry) await this.retry.publish();
      else await removeIfPresent(this.options.target.retryPath);
      await this.results.publish();
    } catch (error) {
      await this.discardAll();
      throw error;
    }
    return { results: this.results.path, ...(this.retry && { retry: this.retry.path }) };
  }

  async abort(): Promise<void> {
    if (this.state === 'finished') return;
    this.state = 'aborted';
    await this.discardAll();
    // A write under way may have opened the retry file meanwhile; it fails fast on the destroyed
    // streams, then that file goes too.
    await this.settled();
    await this.discardAll();
  }

  private async discardAll(): Promise<void> {
    await Promise.all([this.results.discard(), this.retry?.discard()]);
  }
}
