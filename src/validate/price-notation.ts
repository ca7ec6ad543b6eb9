// How a price is written as text: the sign and currency (symbol, ISO code, or a code with its own
// symbol) around the number, with their tables, and the number's decimal mark and thousands grouping
// (`1,200.50`, `1.200,50`, `1 200,5`, `1'200`, `1,20,000`), read to plain digits like `1200.50`.

/** A lookup table with no prototype: text from a cell such as `constructor` finds nothing in it. */
const table = (entries: Record<string, string>): Readonly<Record<string, string | undefined>> => Object.assign(Object.create(null) as Record<string, string>, entries);

const SYMBOLS = table({
  $: 'USD', US$: 'USD', '€': 'EUR', '£': 'GBP', '₹': 'INR', '₩': 'KRW', '₪': 'ILS', '₺': 'TRY', '₽': 'RUB',
  C$: 'CAD', CA$: 'CAD', A$: 'AUD', AU$: 'AUD', NZ$: 'NZD', HK$: 'HKD', S$: 'SGD', R$: 'BRL', zł: 'PLN',
});
/** Symbols several currencies share: guessing one would be worse than asking for the code. */
export const SHARED_SYMBOLS = table({ '¥': 'JPY or CNY', kr: 'SEK, NOK, DKK or ISK', Fr: 'CHF or XOF' });
const ISO_CODES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * Text around the number: nothing, a sign, a currency symbol or ISO code, or a code with its own
 * symbol. A symbol several currencies share comes back as that symbol (a string).
 */
export function readAffix(part: string): { negative: boolean; currency?: string } | string | undefined {
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
export function normaliseNumber(core: string): string | undefined {
  const decimalAt = decimalMarkAt(core);
  if (decimalAt === undefined) return undefined;
  const whole = decimalAt < 0 ? core : core.slice(0, decimalAt);
  const fraction = decimalAt < 0 ? '' : core.slice(decimalAt + 1);
  for (let i = 0; i < fraction.length; i++) if (!isDigit(fraction.charCodeAt(i))) return undefined;
  const intDigits = groupedDigits(whole);
  if (intDigits === undefined || intDigits + fraction === '') return undefined;
  return fraction === '' ? intDigits : `${intDigits || '0'}.${fraction}`;
}

/** Whether a written number's decimal mark is a comma (`12,50`, `1.200,50`, `0,5`), as normaliseNumber reads it. */
export function hasDecimalComma(core: string): boolean {
  const at = decimalMarkAt(core);
  return at !== undefined && at >= 0 && core.charCodeAt(at) === 44 && normaliseNumber(core) !== undefined;
}

/** Where normaliseNumber finds the decimal mark: -1 for none, undefined for a character no number has. */
function decimalMarkAt(core: string): number | undefined {
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
  return decimalAt;
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
