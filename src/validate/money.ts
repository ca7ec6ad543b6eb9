// Prices as exact decimal strings. Nothing here does float arithmetic on money: text is parsed digit
// by digit, sums are BigInt at a common scale. A number cell is a float already, so it is read at the
// 15 significant digits Excel shows, which removes artefacts such as 0.30000000000000004 and never
// changes a real price. A price is never rounded: one with more decimals or digits than can be sent
// exactly is refused, and so is one whose reading is ambiguous.
import type { CellValue } from '../pipeline/types.js';
import { cellText } from '../read/cells.js';

export type PriceReading = { ok: true; value?: string; currency?: string } | { ok: false; reason: string };

/** Decimals a price may have; more are refused, not rounded. */
export const MAX_DECIMALS = 4;
const MAX_INTEGER_DIGITS = 12;
/** What a JSON number (a double) carries exactly: every decimal of up to 15 significant digits. */
const MAX_SIGNIFICANT_DIGITS = 15;

/** A lookup table with no prototype: text from a cell such as `constructor` finds nothing in it. */
const table = (entries: Record<string, string>): Readonly<Record<string, string | undefined>> => Object.assign(Object.create(null) as Record<string, string>, entries);

const SYMBOLS = table({
  $: 'USD', US$: 'USD', '€': 'EUR', '£': 'GBP', '₹': 'INR', '₩': 'KRW', '₪': 'ILS', '₺': 'TRY', '₽': 'RUB',
  C$: 'CAD', CA$: 'CAD', A$: 'AUD', AU$: 'AUD', NZ$: 'NZD', HK$: 'HKD', S$: 'SGD', R$: 'BRL', zł: 'PLN',
});
/** Symbols several currencies share: guessing one would be worse than asking for the code. */
const SHARED_SYMBOLS = table({ '¥': 'JPY or CNY', kr: 'SEK, NOK, DKK or ISK', Fr: 'CHF or XOF' });
const ISO_CODES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));
const NO_PRICE: PriceReading = Object.freeze({ ok: true });

export function parsePrice(v: CellValue): PriceReading {
  if (v === null) return NO_PRICE;
  if (typeof v === 'number') return priceFromNumber(v);
  if (typeof v === 'string') return priceFromText(v);
  if (typeof v === 'boolean') return { ok: false, reason: `"${v ? 'TRUE' : 'FALSE'}" is not a price` };
  if (v.kind === 'error') return { ok: false, reason: `the cell shows the error ${v.text}` };
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

function priceFromText(text: string): PriceReading {
  const trimmed = text.trim();
  if (trimmed === '') return NO_PRICE;
  if (PLAIN.test(trimmed) && !AMBIGUOUS_DOT.test(trimmed)) return exactPrice(trimmed, `"${trimmed}"`);
  return priceFromFreeText(trimmed);
}

function priceFromFreeText(trimmed: string): PriceReading {
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

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * Text around the number: nothing, a sign, a currency symbol or ISO code, or a code with its own
 * symbol. A symbol several currencies share comes back as that symbol (a string).
 */
function readAffix(part: string): { negative: boolean; currency?: string } | string | undefined {
  let rest = part.replace(/\s+/g, '');
  let negative = false;
  if (rest.includes('-') || rest.includes('\u2212')) {
    negative = true;
    rest = rest.replace(/[-\u2212]/g, '');
  }
  rest = rest.replace(/\+/g, '');
  if (rest === '') return { negative };
  const symbol = SYMBOLS[rest] ?? SYMBOLS[rest.toUpperCase()];
  if (symbol) return { negative, currency: symbol };
  const code = rest.toUpperCase();
  if (code.length === 3 && ISO_CODES.has(code)) return { negative, currency: code };
  const shared = rest.replace(/\.$/, '');
  if (SHARED_SYMBOLS[shared] !== undefined) return shared;
  // "USD $12" or "12 € EUR": a code and its own symbol together.
  const pair = /^([A-Za-z]{3})(.+)$|^(.+?)([A-Za-z]{3})$/.exec(rest);
  if (pair) {
    const iso = (pair[1] ?? pair[4] ?? '').toUpperCase();
    const sym = SYMBOLS[pair[2] ?? pair[3] ?? ''];
    if (ISO_CODES.has(iso) && sym === iso) return { negative, currency: iso };
  }
  return undefined;
}

/**
 * The digits of a written number as `123.45`, or undefined. Spaces and apostrophes only group
 * thousands. With both `.` and `,` the last one is the decimal mark. A lone comma followed by exactly
 * three digits groups thousands (`1,200`), otherwise it is a decimal comma (`12,50`; also after
 * space-grouped thousands, `1 200,500`); a lone dot is a decimal point. Several of one mark group.
 */
function normaliseNumber(core: string): string | undefined {
  let dots = 0;
  let commas = 0;
  let spaces = 0;
  let lastDot = -1;
  let lastComma = -1;
  for (let i = 0; i < core.length; i++) {
    const c = core.charCodeAt(i);
    if (isDigit(c)) continue;
    if (c === 46) {
      dots++;
      lastDot = i;
    } else if (c === 44) {
      commas++;
      lastComma = i;
    } else if (c === 32 || c === 39 || c === 0x2019) spaces++;
    else return undefined;
  }
  let decimalAt = -1;
  if (dots > 0 && commas > 0) decimalAt = Math.max(lastDot, lastComma);
  else if (dots === 1) decimalAt = lastDot;
  else if (commas === 1) {
    const threeAfter = core.length - lastComma - 1 === 3;
    const whole = core.slice(0, lastComma);
    decimalAt = threeAfter && whole !== '0' && whole !== '' && spaces === 0 ? -1 : lastComma;
  }
  const whole = decimalAt < 0 ? core : core.slice(0, decimalAt);
  const fraction = decimalAt < 0 ? '' : core.slice(decimalAt + 1);
  for (let i = 0; i < fraction.length; i++) if (!isDigit(fraction.charCodeAt(i))) return undefined;
  const intDigits = groupedDigits(whole);
  if (intDigits === undefined || intDigits + fraction === '') return undefined;
  return fraction === '' ? intDigits : `${intDigits || '0'}.${fraction}`;
}

/**
 * The digits of an integer part, checking its grouping: one kind of mark, a first group of 1-3
 * digits, the last of exactly 3, and 2 or 3 between (Indian grouping, 1,20,000).
 */
function groupedDigits(whole: string): string | undefined {
  let mark = -1;
  let digits = '';
  const groups: number[] = [];
  let run = 0;
  for (let i = 0; i < whole.length; i++) {
    const c = whole.charCodeAt(i);
    if (isDigit(c)) {
      run++;
      continue;
    }
    if (mark !== -1 && c !== mark) return undefined;
    mark = c;
    groups.push(run);
    run = 0;
  }
  if (mark === -1) return whole;
  groups.push(run);
  const last = groups.length - 1;
  const valid = groups.every((n, i) => (i === 0 ? n >= 1 && n <= 3 : i === last ? n === 3 : n === 2 || n === 3));
  if (!valid) return undefined;
  for (let i = 0; i < whole.length; i++) if (isDigit(whole.charCodeAt(i))) digits += whole[i];
  return digits;
}

/** `0012.3400` → `12.34`: no leading zeros in the whole part, no trailing ones in the fraction. */
function trimZeros(plain: string): string {
  let start = 0;
  const point = plain.indexOf('.');
  const intEnd = point < 0 ? plain.length : point;
  while (start < intEnd - 1 && plain.charCodeAt(start) === 48) start++;
  if (point < 0) return start === 0 ? plain : plain.slice(start);
  let end = plain.length;
  while (end > point + 1 && plain.charCodeAt(end - 1) === 48) end--;
  if (end === point + 1) end = point;
  return plain.slice(start, end);
}

/**
 * A decimal as the one canonical string the tool uses for money: no exponent, no leading zeros, no
 * trailing fractional zeros (`"223.50"` → `"223.5"`, `"100.00"` → `"100"`, `223.5` → `"223.5"`), kept
 * exact: nothing rounded, no limit on digits. Undefined for anything that is not a plain decimal number.
 * How the platform's answers are read; a price in a sheet is read by parsePrice.
 */
export function canonicalDecimal(value: string | number): string | undefined {
  const written = typeof value === 'number' ? plainNumber(value) : value.trim();
  const match = written === undefined ? null : /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(written);
  if (!match || (!match[2] && !match[3])) return undefined;
  const whole = (match[2] ?? '').replace(/^0+(?=\d)/, '') || '0';
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  const digits = fraction ? `${whole}.${fraction}` : whole;
  return match[1] === '-' && /[1-9]/.test(digits) ? `-${digits}` : digits;
}

/** A number's shortest decimal form, without the exponent `String()` uses for very large or small numbers. */
function plainNumber(n: number): string | undefined {
  if (!Number.isFinite(n)) return undefined;
  const [mantissa = '', exponent] = String(n).split('e');
  if (exponent === undefined) return mantissa;
  const sign = mantissa.startsWith('-') ? '-' : '';
  const [whole = '', fraction = ''] = mantissa.replace('-', '').split('.');
  const digits = whole + fraction;
  const point = whole.length + Number(exponent);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function toUnits(value: string, scale: number): bigint {
  const negative = value.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? value.slice(1) : value).split('.');
  const units = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
  return negative ? -units : units;
}

function fromUnits(units: bigint, scale: number): string {
  const negative = units < 0n;
  return unitsText((negative ? -units : units).toString(), negative, scale);
}

/** A whole number of units as a canonical decimal: the last `scale` of `magnitude`'s digits after the point. */
function unitsText(magnitude: string, negative: boolean, scale: number): string {
  const digits = magnitude.padStart(scale + 1, '0');
  const point = digits.length - scale;
  let end = digits.length;
  while (end > point && digits.charCodeAt(end - 1) === 48) end--;
  const text = end === point ? digits.slice(0, point) : `${digits.slice(0, point)}.${digits.slice(point, end)}`;
  return negative && text !== '0' ? `-${text}` : text;
}

function scaleOf(value: string): number {
  const point = value.indexOf('.');
  return point < 0 ? 0 : value.length - point - 1;
}

/** Exact sum of two canonical decimals, canonical. */
export function addMoney(a: string, b: string): string {
  const scale = Math.max(scaleOf(a), scaleOf(b));
  // Totals are kept a row at a time. Up to 11 characters at up to 4 decimals, both values are under
  // 10^15 units and their sum is an exact integer double: no BigInt is needed.
  if (a.length <= 11 && b.length <= 11 && scale <= 4) return fromSmallUnits(smallUnits(a, scale) + smallUnits(b, scale), scale);
  return fromUnits(toUnits(a, scale) + toUnits(b, scale), scale);
}

const POWERS_OF_TEN = [1, 10, 100, 1000, 10000];

/** toUnits for a canonical decimal of at most 11 characters and a scale of at most 4, as an exact integer double. */
function smallUnits(value: string, scale: number): number {
  const negative = value.charCodeAt(0) === 45;
  let units = 0;
  let decimals = -1;
  for (let i = negative ? 1 : 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 46) decimals = 0;
    else {
      units = units * 10 + (c - 48);
      if (decimals >= 0) decimals++;
    }
  }
  units *= POWERS_OF_TEN[scale - Math.max(0, decimals)] ?? 1;
  return negative ? -units : units;
}

function fromSmallUnits(units: number, scale: number): string {
  const negative = units < 0;
  return unitsText(String(negative ? -units : units), negative, scale);
}

/** `1200.5` → `1,200.50 USD`: grouped, at least two decimals, the currency after. */
export function formatMoney(v: string, currency?: string): string {
  const negative = v.startsWith('-');
  const digits = negative ? v.slice(1) : v;
  const point = digits.indexOf('.');
  const whole = point < 0 ? digits : digits.slice(0, point);
  const fraction = point < 0 ? '' : digits.slice(point + 1);
  const grouped = whole.length > 3 ? whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : whole;
  const text = `${negative ? '-' : ''}${grouped}.${fraction.length >= 2 ? fraction : fraction.padEnd(2, '0')}`;
  return currency ? `${text} ${currency}` : text;
}
