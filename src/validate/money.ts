// Prices as exact decimal strings. Nothing here does float arithmetic on money: text is parsed digit
// by digit, sums are BigInt at a common scale. A number cell is a float already, so it is read at the
// 15 significant digits Excel shows, which removes artefacts such as 0.30000000000000004 and never
// changes a real price. A price is never rounded: one with more decimals or digits than can be sent
// exactly is refused, and so is one whose reading is ambiguous.
// Here: a price read from a cell. How its text is written (currency, separators) is read in
// price-notation.ts; the canonical form, sums and formatting are in exact-decimals.ts.
import type { CellValue } from '../pipeline/types.js';
import { cellText } from '../read/cells.js';
import { plainNumber, trimZeros } from './exact-decimals.js';
import { errorCellReason } from './fields.js';
import { hasDecimalComma, isDigit, normaliseNumber, readAffix, SHARED_SYMBOLS } from './price-notation.js';

export { addMoney, canonicalDecimal, formatMoney } from './exact-decimals.js';

export type PriceReading = { ok: true; value?: string; currency?: string } | { ok: false; reason: string };

/** Decimals a price may have; more are refused, not rounded. */
export const MAX_DECIMALS = 4;
const MAX_INTEGER_DIGITS = 12;
/** What a JSON number (a double) carries exactly: every decimal of up to 15 significant digits. */
const MAX_SIGNIFICANT_DIGITS = 15;

const NO_PRICE: PriceReading = Object.freeze({ ok: true });

/**
 * What in a file says that its comma may be a decimal mark, which makes `1,234` (else 1234) as
 * ambiguous as `1.234`: other prices written with one (`12,50`), or cells separated by semicolons, as
 * spreadsheets save CSV where the comma is the decimal mark.
 */
export type DecimalCommaSign = 'prices' | 'semicolons';

export function parsePrice(v: CellValue, commaSign?: DecimalCommaSign): PriceReading {
  if (v === null) return NO_PRICE;
  if (typeof v === 'number') return priceFromNumber(v);
  if (typeof v === 'string') return priceFromText(v, commaSign);
  if (typeof v === 'boolean') return { ok: false, reason: `"${v ? 'TRUE' : 'FALSE'}" is not a price` };
  if (v.kind === 'error') return { ok: false, reason: errorCellReason(v) };
  return { ok: false, reason: `"${cellText(v)}" is a date, not a price` };
}

function priceFromNumber(n: number): PriceReading {
  if (!Number.isFinite(n)) return { ok: false, reason: `"${n}" is not a number` };
  if (n < 0) return { ok: false, reason: `"${n}" is negative: a price cannot be below zero` };
  const shown = plainNumber(Number(n.toPrecision(MAX_SIGNIFICANT_DIGITS))) ?? '';
  return exactPrice(shown, `"${shown}"`);
}

/** The common case, read without the general parser: `1200`, `1200.5`, `0.99`. */
const PLAIN = /^\d{1,12}(?:\.\d{1,4})?$/;
/** `1.200`, `12.500`: a dot that may group thousands (1200) or be a decimal point (1.2). */
const AMBIGUOUS_DOT = /^[1-9]\d{0,2}\.\d{3}$/;
/** `1,200`: the same with a comma, where the file gives a sign that its comma may be a decimal mark. */
const AMBIGUOUS_COMMA = /^[1-9]\d{0,2},\d{3}$/;

function priceFromText(text: string, commaSign: DecimalCommaSign | undefined): PriceReading {
  const trimmed = text.trim();
  if (trimmed === '') return NO_PRICE;
  if (PLAIN.test(trimmed) && !AMBIGUOUS_DOT.test(trimmed)) return exactPrice(trimmed, `"${trimmed}"`);
  return priceFromFreeText(trimmed, commaSign);
}

/** Whether a cell writes its price with a decimal comma (`12,50`, `€ 1.200,50`): a sign for the whole file. */
export function showsDecimalComma(cell: CellValue): boolean {
  if (typeof cell !== 'string' || !cell.includes(',')) return false;
  const body = cell.replace(/[\u00a0\u202f\u2009]/g, ' ').trim();
  let start = 0;
  while (start < body.length && !isDigit(body.charCodeAt(start))) start++;
  if (start > 0 && body[start - 1] === ',') start--;
  let end = body.length;
  while (end > start && !isDigit(body.charCodeAt(end - 1))) end--;
  return end > start && hasDecimalComma(body.slice(start, end));
}

function priceFromFreeText(trimmed: string, commaSign: DecimalCommaSign | undefined): PriceReading {
  const shown = `"${trimmed}"`;
  const notNumber: PriceReading = { ok: false, reason: `${shown} is not a price (write it like 1200.50 or $1,200.50)` };
  let body = /[\u00a0\u202f\u2009]/.test(trimmed) ? trimmed.replace(/[\u00a0\u202f\u2009]/g, ' ') : trimmed;
  let negative = false;
  if (body.startsWith('(') && body.endsWith(')')) {
    negative = true;
    body = body.slice(1, -1).trim();
  }
  let start = 0;
  while (start < body.length && !isDigit(body.charCodeAt(start))) start++;
  if (start === body.length) return notNumber;
  if (start > 0 && (body[start - 1] === '.' || body[start - 1] === ',')) start--;
  let end = body.length;
  while (!isDigit(body.charCodeAt(end - 1))) end--;
  let currency: string | undefined;
  for (const part of [body.slice(0, start), body.slice(end)]) {
    if (part === '') continue;
    const affix = readAffix(part);
    if (affix === undefined) return notNumber;
    if (typeof affix === 'string') {
      return { ok: false, reason: `${shown}: ${affix} stands for ${SHARED_SYMBOLS[affix]}; write the currency code instead` };
    }
    if (affix.negative) negative = true;
    if (affix.currency !== undefined && currency !== undefined && affix.currency !== currency) {
      return { ok: false, reason: `${shown} names two currencies (${currency} and ${affix.currency})` };
    }
    currency = affix.currency ?? currency;
  }
  const core = body.slice(start, end);
  if (AMBIGUOUS_DOT.test(core)) return ambiguousDot(core, shown);
  if (commaSign !== undefined && AMBIGUOUS_COMMA.test(core)) return ambiguousComma(core, shown, commaSign);
  const digits = normaliseNumber(core);
  if (digits === undefined) return notNumber;
  const reading = exactPrice(digits, shown);
  if (!reading.ok) return reading;
  const { value } = reading;
  if (negative && value !== '0') return { ok: false, reason: `${shown} is negative: a price cannot be below zero` };
  return currency === undefined ? reading : { ok: true, value, currency };
}

/** `1.200` is 1.2 to some and 1200 to others: asking costs less than billing a thousand times over. */
function ambiguousDot(core: string, shown: string): PriceReading {
  const thousands = core.replace('.', '');
  const decimal = trimZeros(core);
  const [whole = '', fraction = ''] = decimal.split('.');
  // Written with other than three decimals, the dot can only be a decimal point: 1.20, 1.2340.
  const asDecimal = fraction.length === 3 ? `${core}0` : `${whole}.${fraction.padEnd(2, '0')}`;
  return {
    ok: false,
    reason:
      `${shown} is ambiguous: it could be ${decimal} or ${thousands}. ` +
      `Write ${thousands} (no dot) if the dot groups thousands, or ${asDecimal} if it is a decimal point`,
  };
}

/** `1,200` where the file's comma may be a decimal mark: 1.2 or 1200, asked like `1.200`. */
function ambiguousComma(core: string, shown: string, sign: DecimalCommaSign): PriceReading {
  const thousands = core.replace(',', '');
  const [whole = '', fraction = ''] = trimZeros(core.replace(',', '.')).split('.');
  const decimal = fraction === '' ? whole : `${whole}.${fraction}`;
  // Written with other than three decimals, the comma can only be a decimal comma: 1,20, 1,2340.
  const asDecimal = fraction.length === 3 ? `${core}0` : `${whole},${fraction.padEnd(2, '0')}`;
  const why = sign === 'prices' ? 'other prices in the file are written with a decimal comma' : 'the file is separated by semicolons, as where the comma is the decimal mark';
  return {
    ok: false,
    reason:
      `${shown} is ambiguous: it could be ${decimal} or ${thousands}, and ${why}. ` +
      `Write ${thousands} (no comma) if the comma groups thousands, or ${asDecimal} if it is a decimal comma`,
  };
}

/**
 * The price for the digits read from a cell (`0012.3400` → `12.34`), or why it cannot be sent as it
 * is: rounding it, or sending more digits than a JSON number holds, would change the money.
 */
function exactPrice(plain: string, shown: string): PriceReading {
  const value = trimZeros(plain.charCodeAt(0) === 46 ? `0${plain}` : plain);
  const point = value.indexOf('.');
  const whole = point < 0 ? value : value.slice(0, point);
  const fraction = point < 0 ? '' : value.slice(point + 1);
  if (whole.length > MAX_INTEGER_DIGITS) return { ok: false, reason: `${shown} is too large for a price` };
  if (fraction.length > MAX_DECIMALS) {
    return {
      ok: false,
      reason: `${shown} has ${fraction.length} decimals; a price can have at most ${MAX_DECIMALS}, and rounding would change it: round it in the sheet`,
    };
  }
  const significant = whole === '0' ? fraction.replace(/^0+/, '').length : whole.length + fraction.length;
  if (significant > MAX_SIGNIFICANT_DIGITS) {
    return {
      ok: false,
      reason: `${shown} has ${significant} significant digits; at most ${MAX_SIGNIFICANT_DIGITS} can be sent exactly: round it in the sheet`,
    };
  }
  return { ok: true, value };
}
