// Reading every page of a list: how far to read (the page counts an answer gives, or a short page
// when it gives none), and how a list answer is read into its items and those counts.
import * as z from 'zod';
import { withQuery } from './api-endpoints.js';
import { ApiError } from './api-reply.js';

export const MAX_PAGES = 10_000;

/** What a list answer says about its pages, in `data.pagination` or a top-level `pagination`; numbers may come as strings. */
interface PageCounts {
  readonly totalPages?: number;
  readonly total?: number;
}

/** One page of a list: its items, and what it says about the pages. */
export interface ListPage<T> {
  items: T[];
  pages: PageCounts;
}

/**
 * Every page of a list. When the answer says how many pages or items there are, until those are
 * read, however many items a page holds (a server may give fewer than asked for): a missed page
 * could hide a second client with the same email, or a package the client already has. When it
 * says nothing, until a page is short or larger than asked (not paged). Always until a page
 * brings nothing new, as from a server that ignores `page`.
 */
export async function readAllPages<T extends { readonly id: string }>(
  getPage: (pathWithQuery: string, pageSchema: z.ZodType<ListPage<T>>) => Promise<ListPage<T>>,
  path: string,
  query: Readonly<Record<string, string>>,
  perPage: number,
  schema: z.ZodType<T[]>,
): Promise<T[]> {
  const byId = new Map<string, T>();
  const pageSchema = listPage(schema);
  for (let page = 1; page <= MAX_PAGES; page++) {
    const { items, pages } = await getPage(withQuery(path, { ...query, page: String(page), per_page: String(perPage) }), pageSchema);
    const before = byId.size;
    for (const item of items) if (!byId.has(item.id)) byId.set(item.id, item);
    if (byId.size === before) return [...byId.values()];
    const more =
      pages.totalPages === undefined && pages.total === undefined
        ? items.length === perPage
        : (pages.totalPages !== undefined && page < pages.totalPages) || (pages.total !== undefined && byId.size < pages.total);
    if (!more) return [...byId.values()];
  }
  throw new ApiError(`${path} still had more pages after ${MAX_PAGES}; stopped reading it.`);
}

/** A list answer read by `items`, with its page counts beside the items. */
function listPage<T>(items: z.ZodType<T[]>): z.ZodType<ListPage<T>> {
  return z.unknown().transform((json, ctx) => {
    const parsed = items.safeParse(json);
    if (!parsed.success) {
      for (const { message, path } of parsed.error.issues) ctx.addIssue({ code: 'custom', message, path });
      return z.NEVER;
    }
    return { items: parsed.data, pages: pageCountsOf(json) };
  });
}

function pageCountsOf(json: unknown): PageCounts {
  const data = fieldOf(json, 'data');
  const pagination = fieldOf(data, 'pagination') ?? fieldOf(json, 'pagination');
  const totalPages = countOf(fieldOf(pagination, 'total_pages'));
  const total = countOf(fieldOf(pagination, 'total'));
  return { ...(totalPages !== undefined && { totalPages }), ...(total !== undefined && { total }) };
}

function fieldOf(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[name] : undefined;
}

function countOf(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
