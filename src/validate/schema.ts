// The one schema that turns a row into an AssignmentRecord. It is built once per file from five
// groups of rules (client, package, dates, price, conversation), each a pure function over the row's
// cells. zod runs the groups, gathers every issue of a row with the field it belongs to, and the
// issues become `Column Header: what is wrong` messages. Valid rows, nearly all of them, take a fast
// path through the same group functions without zod: zod costs about 2 µs a row (measured), as much
// as parsing the CSV line itself. Both paths give the same record (test/validate/schema.test.ts).
import * as z from 'zod';
import type { AssignmentRecord, CellValue, ColumnMap, Field, SourceRow } from '../pipeline/types.js';
import { parseDate, type DateContext } from './dates.js';
import { errorCellReason, isUncalculated, parseEmail, parseId, parseName, quoted, type FieldReading } from './fields.js';
import { parsePrice, type DecimalCommaSign } from './money.js';

interface Issue {
  readonly field: Field;
  readonly reason: string;
}
type Draft = { -readonly [K in keyof AssignmentRecord]: AssignmentRecord[K] };
/** Reads its fields from the cells into the draft record; returns the issues, or undefined if none. */
type Group = (cells: readonly CellValue[], draft: Draft) => Issue[] | undefined;
const GROUPS = ['client', 'package', 'dates', 'price', 'conversation'] as const;
type Groups = Record<(typeof GROUPS)[number], Group>;

export type RowReading = { ok: true; record: AssignmentRecord } | { ok: false; message: string };

/** Builds the checks for one file: its column positions, how it writes dates, and whether its comma may be a decimal mark. */
export function rowValidator(columns: ColumnMap, dates: DateContext, commaSign?: DecimalCommaSign): (row: SourceRow) => RowReading {
  const groups = buildGroups(columns.fields, dates, commaSign);
  const schema = buildSchema(groups);
  const header = (field: Field): string => {
    const col = columns.fields[field];
    return (col === undefined ? undefined : columns.headers[col]) || field;
  };
  return (row) => {
    if (!row.problems?.length) {
      const record = fastRecord(groups, row);
      if (record) return { ok: true, record };
    }
    const parsed = schema.safeParse({ sourceRow: row.sourceRow, cells: row.cells });
    const messages = [...(row.problems ?? [])];
    if (parsed.success && messages.length === 0) return { ok: true, record: parsed.data };
    for (const issue of parsed.error?.issues ?? []) {
      const field = issue.path[issue.path.length - 1];
      messages.push(`${typeof field === 'string' ? header(field as Field) : 'row'}: ${issue.message}`);
    }
    return { ok: false, message: messages.join('; ') };
  };
}

/** The schema alone, for a file's columns and date reading: `{ sourceRow, cells }` in, a record out. */
export function rowSchema(columns: ColumnMap, dates: DateContext, commaSign?: DecimalCommaSign) {
  return buildSchema(buildGroups(columns.fields, dates, commaSign));
}

function buildSchema(groups: Groups) {
  const group = (read: Group) =>
    z.custom<readonly CellValue[]>((cells) => Array.isArray(cells)).transform((cells, ctx) => {
      const part = {} as Draft;
      const issues = read(cells, part);
      for (const issue of issues ?? []) ctx.addIssue({ code: 'custom', message: issue.reason, path: [issue.field] });
      return part as Partial<AssignmentRecord>;
    });
  return z
    .preprocess(
      (row: { sourceRow: number; cells: readonly CellValue[] }) => ({
        sourceRow: row.sourceRow,
        client: row.cells,
        package: row.cells,
        dates: row.cells,
        price: row.cells,
        conversation: row.cells,
      }),
      z.object({
        sourceRow: z.number().int().positive(),
        client: group(groups.client),
        package: group(groups.package),
        dates: group(groups.dates),
        price: group(groups.price),
        conversation: group(groups.conversation),
      }),
    )
    .transform(({ sourceRow, ...parts }): AssignmentRecord => {
      const draft = { sourceRow } as Draft;
      for (const name of GROUPS) Object.assign(draft, parts[name]);
      return draft;
    });
}

/** The same groups without zod, stopping at the first problem (the schema then says what they all are). */
function fastRecord(groups: Groups, row: SourceRow): AssignmentRecord | undefined {
  const { cells } = row;
  const draft = { sourceRow: row.sourceRow } as Draft;
  if (groups.client(cells, draft) || groups.package(cells, draft) || groups.dates(cells, draft)) return undefined;
  if (groups.price(cells, draft) || groups.conversation(cells, draft)) return undefined;
  return draft;
}

function buildGroups(fields: ColumnMap['fields'], dateContext: DateContext, commaSign: DecimalCommaSign | undefined): Groups {
  const cellOf = (cells: readonly CellValue[], field: Field): CellValue => {
    const col = fields[field];
    return col === undefined ? null : (cells[col] ?? null);
  };
  const fail = (field: Field, reason: string): Issue[] => [{ field, reason }];
  const oneOf =
    (
      idField: Field,
      otherField: Field,
      parseOther: (cell: CellValue) => FieldReading<string> | undefined,
      set: (draft: Draft, id: string | undefined, other: string | undefined) => void,
      what: string,
      keepOtherWithId = false,
    ): Group =>
    (cells, draft) => {
      // The id wins when a row has both: it names exactly one thing.
      const id = parseId(cellOf(cells, idField));
      if (id) {
        if (!id.ok) return fail(idField, id.reason);
        // The other column is read no further, but a formula never calculated may name anything.
        const otherCell = cellOf(cells, otherField);
        if (isUncalculated(otherCell)) return fail(otherField, errorCellReason(otherCell));
        // A readable email beside a client_id is kept: the import checks that the two name one client.
        const other = keepOtherWithId ? parseOther(otherCell) : undefined;
        set(draft, id.value, other?.ok ? other.value : undefined);
        return undefined;
      }
      const other = parseOther(cellOf(cells, otherField));
      if (other) {
        if (!other.ok) return fail(otherField, other.reason);
        set(draft, undefined, other.value);
        return undefined;
      }
      return fail(fields[otherField] !== undefined ? otherField : idField, `empty; each row needs ${what}`);
    };

  return {
    client: oneOf('client_id', 'client_email', parseEmail, (d, id, email) => {
      if (id !== undefined) d.clientId = id;
      if (email !== undefined) d.clientEmail = email;
    }, 'a client email or client ID', true),
    package: oneOf('package_id', 'package_name', parseName, (d, id, name) => {
      if (id !== undefined) d.packageId = id;
      else d.packageName = name;
    }, 'a package name or package ID'),
    dates(cells, draft) {
      const fromCell = cellOf(cells, 'valid_from');
      const untilCell = cellOf(cells, 'valid_until');
      const from = parseDate(fromCell, dateContext);
      const until = parseDate(untilCell, dateContext);
      if (from?.ok && (!until || until.ok)) {
        if (until && until.iso < from.iso) {
          return fail('valid_until', `${shownAs(untilCell, until.iso)} is before the start date ${shownAs(fromCell, from.iso)}`);
        }
        draft.validFrom = from.iso;
        if (until) draft.validUntil = until.iso;
        return undefined;
      }
      const issues: Issue[] = [];
      if (!from) issues.push({ field: 'valid_from', reason: 'empty; each row needs a start date' });
      else if (!from.ok) issues.push({ field: 'valid_from', reason: from.reason });
      if (until && !until.ok) issues.push({ field: 'valid_until', reason: until.reason });
      return issues;
    },
    price(cells, draft) {
      const price = parsePrice(cellOf(cells, 'price'), commaSign);
      if (!price.ok) return fail('price', price.reason);
      if (price.value !== undefined) draft.price = price.value;
      if (price.currency !== undefined) draft.priceCurrency = price.currency;
      return undefined;
    },
    conversation(cells, draft) {
      const id = parseId(cellOf(cells, 'conversation_id'));
      if (id && !id.ok) return fail('conversation_id', id.reason);
      if (id) draft.conversationId = id.value;
      return undefined;
    },
  };
}

/** The value as written, with the date it was read as when the two differ. */
function shownAs(cell: CellValue, iso: string): string {
  const text = quoted(cell);
  return text === `"${iso}"` ? text : `${text} (${iso})`;
}
