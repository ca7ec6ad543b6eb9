// Values of XLSX cells as exceljs read them: ISO 8601 text in a cell typed `d`, a date-formatted
// number through a JS Date, string cells decoded once more after the XML parser had, and inline
// strings (`<is>`) with every run joined and phonetic guides left out.
import type { DateCell } from '../pipeline/types.js';
import { isoDate, isRealDate, UNIX_EPOCH_1900 } from './calendar.js';
import { isPlainText, XmlScanner } from './xml-scanner.js';
import { decodeText } from './xml-text.js';

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
export const ISO_TIME = /^T?\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** The date (and time of day, when not midnight) of ISO 8601 text, as written; undefined when it is not one. */
export function isoDateCell(text: string): DateCell | undefined {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!isRealDate(year, month, day)) return undefined;
  const [h, min, sec] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (h > 23 || min > 59 || sec > 59) return undefined;
  const iso = isoDate(year, month, day);
  if (h === 0 && min === 0 && sec === 0) return { kind: 'date', iso };
  return { kind: 'date', iso, time: `${m[4]}:${m[5]}:${m[6] ?? '00'}` };
}

/**
 * A number through a JS Date to the millisecond and back, as exceljs turned a date-formatted number
 * into a Date and this reader took the serial number back from it.
 */
export function throughDate(serial: number): number {
  const ms = Math.round((serial - UNIX_EPOCH_1900) * 24 * 3600 * 1000);
  return Math.abs(ms) <= 8.64e15 ? ms / 86_400_000 + UNIX_EPOCH_1900 : NaN;
}

/** exceljs decoded string cells once more after the XML parser had: `&amp;lt;` reads as `<`. */
export function xmlDecode(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([a-z]*);/g, (entity) => XML_ENTITIES[entity] ?? entity);
}

const XML_ENTITIES: Readonly<Record<string, string>> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&apos;': "'", '&quot;': '"' };

const RUBY = /<([\w.-]+:)?rPh\b[\s\S]*?<\/([\w.-]+:)?rPh>/g;
const TEXT_RUN = /<(?:[\w.-]+:)?t(?:\s[^>]*)?(?:\/>|>([\s\S]*?)<\/(?:[\w.-]+:)?t>)/g;

/** The text of an inline string (`<is>`): every run joined, phonetic guides left out. */
export function inlineText(inner: string): string {
  let raw = '';
  for (const m of inner.replace(RUBY, '').matchAll(TEXT_RUN)) raw += m[1] ?? '';
  // Entities and line ends, as an XML parser reads the text of `<t>…</t>`...
  if (!raw.includes('<')) return isPlainText(raw) ? raw : decodeText(raw);
  // ...and markup inside the runs too, for which it takes a scanner.
  let text = '';
  const scanner = new XmlScanner({
    open() {},
    close() {},
    text(part) {
      text += part;
    },
  });
  scanner.push(`<t>${raw}</t>`, true);
  return text;
}
