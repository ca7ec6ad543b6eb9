// The end of a run as a person reads it (or as one JSON object with --json), and its exit code.
import type { RunResult } from '../pipeline/options.js';
import { STATUSES, SUCCESS_STATUSES, type MoneyTotals } from '../pipeline/types.js';

export function exitCodeOf(result: RunResult): number {
  if (result.error) return 2;
  if (result.summary.interrupted) return 130;
  const needsAttention = STATUSES.some((s) => !SUCCESS_STATUSES.has(s) && result.summary.counts[s] > 0);
  return needsAttention ? 1 : 0;
}

function totalsText(totals: MoneyTotals): string {
  const entries = Object.entries(totals);
  if (entries.length === 0) return '0';
  return entries.map(([currency, amount]) => `${amount}${currency ? ` ${currency}` : ''}`).join(' + ');
}

/**
 * The `--json` object. Totals are keyed by currency code only: the amount of prices that name no
 * currency (the `''` of the tally) goes in a field of its own, `createdTotalNoCurrency` or
 * `sheetTotalNoCurrency`, present when there is one, so a script never meets an empty key.
 */
export function jsonSummary(result: RunResult): Record<string, unknown> {
  const { summary, files } = result;
  const created = apartFromNoCurrency(summary.createdTotal);
  const sheet = apartFromNoCurrency(summary.sheetTotal);
  return {
    command: summary.command,
    exitCode: exitCodeOf(result),
    rows: summary.rows,
    counts: summary.counts,
    createdTotal: created.byCurrency,
    ...(created.noCurrency !== undefined && { createdTotalNoCurrency: created.noCurrency }),
    sheetTotal: sheet.byCurrency,
    ...(sheet.noCurrency !== undefined && { sheetTotalNoCurrency: sheet.noCurrency }),
    durationMs: summary.durationMs,
    interrupted: summary.interrupted,
    files,
    ...(result.error && { error: { code: result.error.code, message: result.error.message } }),
  };
}

function apartFromNoCurrency(totals: MoneyTotals): { byCurrency: MoneyTotals; noCurrency?: string } {
  const { '': noCurrency, ...byCurrency } = totals;
  return noCurrency === undefined ? { byCurrency } : { byCurrency, noCurrency };
}

/** `mask` hides the token in the one text that may quote a setting: why a run stopped part way. */
export function printResult(result: RunResult, json: boolean, mask: (text: string) => string = (text) => text): void {
  const { summary, files } = result;
  if (json) {
    const object = jsonSummary(result);
    process.stdout.write(`${JSON.stringify(result.error ? { ...object, error: { code: result.error.code, message: mask(result.error.message) } } : object)}\n`);
    return;
  }
  // A dry run creates nothing: it has not imported the rows, only checked what importing them would do.
  const dryRun = summary.command === 'import' && summary.options['dry-run'] === 'yes';
  const verb = summary.command === 'validate' ? 'Validated' : summary.interrupted ? 'Stopped after' : dryRun ? 'Checked' : 'Imported';
  const counts = STATUSES.filter((s) => summary.counts[s] > 0)
    .map((s) => `${s} ${summary.counts[s]}`)
    .join(', ');
  const lines = [
    `${verb} ${summary.rows} row${summary.rows === 1 ? '' : 's'} of ${summary.inputFile} in ${(summary.durationMs / 1000).toFixed(1)} s` +
      (dryRun ? ' (dry run: nothing created)' : ''),
    `  ${counts || 'no data rows'}`,
  ];
  if (summary.command === 'import') {
    const label = summary.counts.would_create > 0 ? 'would create' : 'created';
    lines.push(`  ${label}: ${totalsText(summary.createdTotal)} of the sheet's ${totalsText(summary.sheetTotal)}`);
  }
  lines.push(`Results: ${files.results}`);
  // After a stop, the pending rows are the resume's to send: the retry file is for after it.
  const retryUse = summary.interrupted ? 'once the resume below has finished, the rows still to fix' : 'the rows to fix and import again';
  if (files.retry) lines.push(`Retry:   ${files.retry} (${retryUse})`);
  if (result.error) lines.push(`Stopped: ${mask(result.error.message)} ${result.error.advice}`);
  if (summary.interrupted) lines.push('Interrupted: run the same command again to resume; rows already done are not sent again.');
  process.stdout.write(`${lines.join('\n')}\n`);
}
