// The `Summary` sheet of an XLSX results file: what a person checks before reconciling the rows.
import { STATUSES, type CellValue, type MoneyTotals, type RunSummary } from '../pipeline/types.js';
import { isStatus, statusLook, type CellLook } from './xlsx-styles.js';

/** Option names that could carry a secret are left out even if one ever reaches the summary. */
const SECRET_OPTION = /token|secret|password|authori[sz]ation|api[-_ ]?key/i;

type Line = readonly (CellValue | Money)[] | { readonly heading: readonly CellValue[] };

interface Money {
  readonly money: string;
}

/** A cell of the Summary sheet: its value, and the look it takes on top of the one its value gives it. */
export interface SummaryCell {
  readonly value: CellValue;
  readonly look?: CellLook;
  /** The look is the whole look: a total kept as text is not given text format. */
  readonly onlyLook?: boolean;
}

/** The Summary sheet's rows, from the first; an empty row is an empty line. */
export function summaryRows(summary: RunSummary): SummaryCell[][] {
  return summaryLines(summary).map((line) => {
    const heading = 'heading' in line;
    const values = 'heading' in line ? line.heading : line;
    const cells = values.map((value) => summaryCell(value, heading));
    const first = values[0];
    if (!heading && isStatus(first)) cells[0] = { value: first, look: statusLook(first) };
    return cells;
  });
}

function summaryCell(value: CellValue | Money, bold: boolean): SummaryCell {
  if (isMoney(value)) return moneyCell(value.money, bold);
  // Counts beside their labels, not at the far edge of the wide text column.
  const alignLeft = typeof value === 'number';
  if (!bold && !alignLeft) return { value };
  return { value, look: { ...(bold && { bold }), ...(alignLeft && { alignLeft }) } };
}

function summaryLines(summary: RunSummary): Line[] {
  const createdLabel = summary.counts.would_create > 0 && summary.counts.created === 0 ? 'would be created' : 'created';
  const lines: Line[] = [
    { heading: [`client-packages ${summary.command}: summary`] },
    [],
    { heading: ['status', 'rows'] },
    ...STATUSES.map((status) => [status, summary.counts[status]]),
    { heading: ['rows total', summary.rows] },
    [],
    { heading: ['currency', createdLabel, 'whole sheet'] },
    ...moneyLines(summary.createdTotal, summary.sheetTotal),
    [],
    { heading: ['run'] },
    ['command', summary.command],
    ['started', summary.startedAt],
    ['finished', summary.finishedAt],
    ['time taken', formatDuration(summary.durationMs)],
    ['input file', summary.inputFile],
    ['sheet', summary.sheet ?? null],
    ['API URL', summary.apiUrl ?? null],
    ['fallback URL', summary.fallbackUrl ?? null],
    ['interrupted', summary.interrupted ? 'yes' : 'no'],
    [],
    { heading: ['options'] },
    ...Object.entries(summary.options)
      .filter(([name]) => !SECRET_OPTION.test(name))
      .map(([name, value]) => [name, value]),
  ];
  return lines;
}

/** One line per currency, the created total beside the sheet's; `''` is a price with no currency. */
function moneyLines(created: MoneyTotals, sheet: MoneyTotals): Line[] {
  const currencies = [...new Set([...Object.keys(created), ...Object.keys(sheet)])].sort((a, b) =>
    a === '' ? 1 : b === '' ? -1 : a.localeCompare(b),
  );
  if (currencies.length === 0) return [['(no prices)', { money: '0' }, { money: '0' }]];
  return currencies.map((currency) => [
    currency === '' ? '(no currency)' : currency,
    { money: created[currency] ?? '0' },
    { money: sheet[currency] ?? '0' },
  ]);
}

const DECIMAL = /^-?(\d+)(?:\.(\d+))?$/;

/**
 * A canonical decimal becomes a number cell with at least two decimals shown, when a double holds it
 * exactly: up to 15 significant digits always survive the trip. Anything longer stays text, so the
 * total is never silently rounded.
 */
function moneyCell(decimal: string, bold: boolean): SummaryCell {
  const match = DECIMAL.exec(decimal);
  const whole = match?.[1] ?? '';
  const fraction = match?.[2] ?? '';
  const significant = `${whole}${fraction}`.replace(/^0+/, '').replace(/0+$/, '').length;
  if (!match || significant > 15) return { value: decimal, look: bold ? { bold } : {}, onlyLook: true };
  const numFmt = `#,##0.${'0'.repeat(Math.max(2, fraction.length))}`;
  return { value: Number(decimal), look: bold ? { numFmt, bold } : { numFmt } };
}

function isMoney(value: CellValue | Money): value is Money {
  return typeof value === 'object' && value !== null && 'money' in value;
}

/** `850 ms`, `12.4 s`, `3 min 05 s`, `2 h 01 min 09 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const total = Math.round(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  if (hours === 0) return `${minutes} min ${seconds} s`;
  return `${hours} h ${String(minutes).padStart(2, '0')} min ${seconds} s`;
}
