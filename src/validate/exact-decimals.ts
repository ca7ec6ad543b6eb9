// Money as exact decimal strings: the one canonical form, exact sums and the form shown to people.
// No float arithmetic on money: sums are BigInt at a common scale, or integer doubles where those are
// provably exact. Reading a price from a cell is money.ts's business.

/** `0012.3400` → `12.34`: no leading zeros in the whole part, no trailing ones in the fraction. */
export function trimZeros(plain: string): string {
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
export function plainNumber(n: number): string | undefined {
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
