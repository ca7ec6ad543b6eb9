// The create's `price`, read the way the platform reads it: a JSON number, or a numeric string (the
// seed's own example posts the package's price string back). Amounts travel as canonical decimal
// strings ("1200.5", "0") so no float formatting ever reaches an answer.

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

export type PriceReading =
  | { readonly ok: true; readonly amount: string }
  | { readonly ok: false; readonly message: string };

/** `"007.50"` -> `"7.5"`, `"-0"` -> `"0"`; undefined when the text is not a plain decimal. */
export function canonicalDecimal(text: string): string | undefined {
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const whole = (match[2] ?? '0').replace(/^0+(?=\d)/, '');
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  const digits = fraction ? `${whole}.${fraction}` : whole;
  const isZero = /^0(\.0*)?$/.test(digits);
  return match[1] && !isZero ? `-${digits}` : digits;
}

function numberToDecimal(value: number): string | undefined {
  if (!Number.isFinite(value)) return undefined;
  const plain = String(value);
  // String() switches to exponent form outside 1e-7..1e21; spell those out instead.
  if (!plain.includes('e')) return canonicalDecimal(plain);
  if (Math.abs(value) >= 1) return canonicalDecimal(BigInt(Math.round(value)).toString());
  return canonicalDecimal(value.toFixed(20));
}

/** Reads a price that was given (not undefined/null). */
export function readPrice(value: unknown): PriceReading {
  let amount: string | undefined;
  if (typeof value === 'number') amount = numberToDecimal(value);
  else if (typeof value === 'string') amount = canonicalDecimal(value.trim());
  if (amount === undefined) {
    return { ok: false, message: `price must be a number, got ${JSON.stringify(value)}` };
  }
  if (amount.startsWith('-')) {
    return { ok: false, message: `price must not be negative, got ${JSON.stringify(value)}` };
  }
  return { ok: true, amount };
}
