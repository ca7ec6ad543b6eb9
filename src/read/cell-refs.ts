// Cell references: `AB12` has column 28 (AB), and column 28 is written `AB`.

/** 1-based column number of a cell reference such as `AB12`, or 0 when there is none. */
export function columnNumber(ref: string): number {
  let n = 0;
  for (let i = 0; i < ref.length; i++) {
    const code = ref.charCodeAt(i);
    if (code >= 65 && code <= 90) n = n * 26 + code - 64;
    else if (code >= 97 && code <= 122) n = n * 26 + code - 96;
    else break;
  }
  return n;
}

const LETTERS: string[] = [];

/** 1 → A, 27 → AA; Excel's columns (up to XFD, 16,384) are kept once worked out, as every row asks again. */
export function columnLetters(n: number): string {
  const known = LETTERS[n];
  if (known !== undefined) return known;
  let s = '';
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) s = String.fromCharCode(65 + ((k - 1) % 26)) + s;
  if (n < 16_385) LETTERS[n] = s;
  return s;
}
