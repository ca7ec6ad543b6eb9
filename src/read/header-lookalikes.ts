// Columns that look like a field but are not read as one ("Price (USD)", "Contract end date"): found
// so that the run stops and says how to rename or map them, instead of ignoring them unnoticed.
import { FIELDS, type Field } from '../pipeline/types.js';
import { columnLetters } from './cell-refs.js';
import { ALIAS_FIELDS, headerKey } from './header-aliases.js';

/** A column that is not read as any field, while its header names a field that no column provides. */
export interface Lookalike {
  readonly field: Field;
  readonly column: number;
  readonly header: string;
}

/**
 * Words that name a field inside a longer header ("Price (USD)", "Contract end date"): at the start of
 * the header, or anywhere in it when marked `*`. Words too common to tell by themselves ("end", "plan",
 * "matter") count only when the rest of the header is a remark in brackets or after a colon.
 */
const TELLING_WORDS: Readonly<Record<Field, readonly string[]>> = {
  client_email: ['*email', '*e mail', '*client email'],
  client_id: ['*client id', '*client uid'],
  package_name: ['*package name', '*membership name', '*plan name', 'package', 'membership'],
  package_id: ['*package id'],
  valid_from: ['*start date', '*valid from', '*start'],
  valid_until: ['*end date', '*valid until', '*valid to', '*expiry', '*expires', '*expiration'],
  price: ['*price', 'amount'],
  conversation_id: ['*conversation id', '*matter id'],
};

/** Words that make a header about a field rather than its value: "Price tier", "Expiry notes". */
const ABOUT_WORDS = new Set(['id', 'code', 'tier', 'level', 'type', 'list', 'group', 'category', 'note', 'notes', 'comment', 'comments', 'name', 'status', 'currency', 'reason', 'user']);

/** Fields of which a row needs one or the other: while one has a column, the other is not missed. */
const PARTNER: Readonly<Partial<Record<Field, Field>>> = {
  client_email: 'client_id',
  client_id: 'client_email',
  package_name: 'package_id',
  package_id: 'package_name',
};

/** Unread columns whose header names a field no column provides: the first such column for each field. */
export function lookalikeColumns(headers: readonly string[], fields: Partial<Record<Field, number>>): Lookalike[] {
  const used = new Set(Object.values(fields));
  const open = FIELDS.filter((field) => {
    const partner = PARTNER[field];
    return fields[field] === undefined && (partner === undefined || fields[partner] === undefined);
  });
  const found = new Map<Field, Lookalike>();
  headers.forEach((header, column) => {
    if (header === '' || used.has(column)) return;
    const field = fieldLookedLike(header, open);
    if (field !== undefined && !found.has(field)) found.set(field, { field, column, header });
  });
  return [...found.values()];
}

/** The field a header names among `open`, if it clearly names one; the one named last wins ("Membership price"). */
function fieldLookedLike(header: string, open: readonly Field[]): Field | undefined {
  const bare = ALIAS_FIELDS.get(headerKey(header.replace(/\([^)]*\)|\[[^\]]*\]|\{[^}]*\}/g, ' ').replace(/:.*$/s, '')));
  if (bare !== undefined && open.includes(bare)) return bare;
  const words = headerWords(header);
  let best: { field: Field; end: number } | undefined;
  for (const field of open) {
    for (const telling of TELLING_WORDS[field]) {
      const anywhere = telling.startsWith('*');
      const phrase = (anywhere ? telling.slice(1) : telling).split(' ');
      const at = anywhere ? indexOfWords(words, phrase) : indexOfWords(words.slice(0, phrase.length), phrase);
      if (at < 0) continue;
      const end = at + phrase.length;
      const rest = [...words.slice(0, at), ...words.slice(end)];
      if (rest.some((word) => ABOUT_WORDS.has(word))) continue;
      if (best === undefined || end > best.end) best = { field, end };
    }
  }
  return best?.field;
}

/** A header's words in small letters: "Price (USD)" is price, usd; "endDate" is end, date. */
function headerWords(header: string): string[] {
  return header
    .normalize('NFKC')
    .replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

function indexOfWords(words: readonly string[], phrase: readonly string[]): number {
  for (let at = 0; at + phrase.length <= words.length; at++) {
    if (phrase.every((word, i) => words[at + i] === word)) return at;
  }
  return -1;
}

/** The name each field is read under by itself, to suggest as a column's new name. */
const PLAIN_HEADERS: Readonly<Record<Field, string>> = {
  client_email: 'Email',
  client_id: 'Client ID',
  package_name: 'Package',
  package_id: 'Package ID',
  valid_from: 'Start Date',
  valid_until: 'End Date',
  price: 'Price',
  conversation_id: 'Conversation ID',
};

/** What each lookalike column is taken for and how to settle it, a sentence each. */
export function lookalikeAdvice(lookalikes: readonly Lookalike[]): string {
  return lookalikes
    .map(
      ({ field, column, header }) =>
        `The column "${header}" (column ${columnLetters(column + 1)}) looks like ${field}, but no column is read as ${field}, ` +
        `so it would be ignored. Rename it "${PLAIN_HEADERS[field]}", or pass --map "${header}=${field}"; if it holds something else, give it another name.`,
    )
    .join(' ');
}
