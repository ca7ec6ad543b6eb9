// The `Summary` sheet of an XLSX results file: what a person checks before reconciling the rows.
import type { Cell, Worksheet } from 'exceljs';
import { STATUSES, type CellValue, type MoneyTotals, type RunSummary } from '../pipeline/types.js';
import { isStatus, restyle, setCellValue, styleBold, styleStatus } from './xlsx-cells.js';

/** Option names that could carry a secret are left out even if one ever reaches the summary. */
const SECRET_OPTION = /token|secret|password|authori[sz]ation|api[-_ ]?key/i;

type Line = readonly (CellValue | Money)[] | { readonly heading: readonly CellValue[] };

interface Money {
  readonly money: string;
}

export function writeSummarySheet(sheet: Worksheet, summary: RunSummary): void {
  sheet.columns = [{ width: 26 }, { width: 60 }, { width: 18 }];
  for (const line of summaryLines(summary)) {
    const row = sheet.addRow([]);
    const heading = 'heading' in line;
    const values = 'heading' in line ? line.heading : line;
    values.forEach((value, index) => writeCell(row.getCell(index + 1), value, heading));
    const first = values[0];
    if (!heading && isStatus(first)) styleStatus(row.getCell(1), first);
    row.commit();
  }
  sheet.commit();
}

function writeCell(cell: Cell, value: CellValue | Money, bold: boolean): void {
  if (isMoney(value)) setMoney(cell, value.money);
  else setCellValue(cell, value);
  if (bold) styleBold(cell);
  // Counts beside their labels, not at the far edge of the wide text column.
  if (typeof value === 'number') restyle(cell, { alignment: { horizontal: 'left' } });
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
export function setMoney(cell: Cell, decimal: string): void {
  const match = DECIMAL.exec(decimal);
  const whole = match?.[1] ?? '';
  const fraction = match?.[2] ?? '';
  const significant = `${whole}${fraction}`.replace(/^0+/, '').replace(/0+$/, '').length;
  if (!match || significant > 15) {
    cell.value = decimal;
    return;
  }
  cell.value = Number(decimal);
  restyle(cell, { numFmt: `#,##0.${'0'.repeat(Math.max(2, fraction.length))}` });
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
