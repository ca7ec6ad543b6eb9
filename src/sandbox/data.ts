// The sandbox's seed data: the documented JSON format (samples/README.md), checked on load so a
// hand-edited file fails with the path of the bad value instead of a confusing answer later.

import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { normaliseUnit, parseIsoDay } from './calendar.js';
import { canonicalDecimal } from './money.js';

export interface SandboxClientData {
  id: string;
  /** Defaults to the data set's business_id. */
  business_id?: string;
  email: string;
  first_name: string;
  last_name: string;
  phone?: string | null;
  created_at: string;
  updated_at?: string;
  /** The client's conversations; the first is its default. None: one is created on the first create that needs it. */
  conversation_ids?: string[];
}

export interface SandboxProductData {
  id: string;
  name: string;
  /** Booking credits the product grants with the package. */
  bookings?: number | string;
}

export interface SandboxPackageData {
  id: string;
  business_id?: string;
  name: string;
  /** Served as a string whatever is written here. */
  price: string | number;
  currency: string;
  /** Served as written: the real API sometimes sends `"true"`. */
  active: boolean | 'true' | 'false';
  expiration?: number | null;
  /** `d`, `w`, `m` or `y`, either case. */
  expiration_unit?: string | null;
  /** Served as written (the real API sends `"10"`); defaults to the products' bookings. */
  total_bookings?: string | number;
  products?: SandboxProductData[];
  description?: string | null;
}

/** A client package that exists before the sandbox starts (so an import finds it and skips the row). */
export interface SandboxClientPackageData {
  id: string;
  client_id: string;
  package_id: string;
  valid_from: string;
  valid_until?: string | null;
  /** Defaults to the package's price. */
  amount?: string | number;
  conversation_id?: string;
  created_at?: string;
}

export interface SandboxData {
  business_id: string;
  business_name?: string;
  tokens: { staff: string; directory: string };
  clients: SandboxClientData[];
  packages: SandboxPackageData[];
  client_packages?: SandboxClientPackageData[];
}

const id = z.string().min(1);
const isoDay = z.string().refine((text) => parseIsoDay(text) !== undefined, 'must be a real day as YYYY-MM-DD');
const decimal = z.union([z.number().nonnegative(), z.string().refine((t) => canonicalDecimal(t) !== undefined, 'must be a decimal')]);
const count = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]);

const schema = z.object({
  business_id: id,
  business_name: z.string().optional(),
  tokens: z.object({ staff: id, directory: id }).refine((t) => t.staff !== t.directory, 'staff and directory tokens must differ'),
  clients: z.array(
    z.object({
      id,
      business_id: id.optional(),
      email: z.string(),
      first_name: z.string(),
      last_name: z.string(),
      phone: z.string().nullable().optional(),
      created_at: z.string(),
      updated_at: z.string().optional(),
      conversation_ids: z.array(id).optional(),
    }),
  ),
  packages: z.array(
    z.object({
      id,
      business_id: id.optional(),
      name: z.string(),
      price: decimal,
      currency: z.string().regex(/^[A-Z]{3}$/),
      active: z.union([z.boolean(), z.literal('true'), z.literal('false')]),
      expiration: z.number().int().positive().nullable().optional(),
      expiration_unit: z.string().refine((u) => normaliseUnit(u) !== undefined, 'must be d, w, m or y').nullable().optional(),
      total_bookings: count.optional(),
      products: z.array(z.object({ id, name: z.string(), bookings: count.optional() })).optional(),
      description: z.string().nullable().optional(),
    }),
  ),
  client_packages: z
    .array(
      z.object({
        id,
        client_id: id,
        package_id: id,
        valid_from: isoDay,
        valid_until: isoDay.nullable().optional(),
        amount: decimal.optional(),
        conversation_id: id.optional(),
        created_at: z.string().optional(),
      }),
    )
    .optional(),
}) satisfies z.ZodType<SandboxData>;

/** Checks what the schema cannot see: unique ids and references that resolve. */
function crossCheck(data: SandboxData): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const all = [...data.clients, ...data.packages, ...(data.client_packages ?? [])];
  for (const { id: each } of all) {
    if (seen.has(each)) problems.push(`id ${each} is used twice`);
    seen.add(each);
  }
  const clients = new Set(data.clients.map((c) => c.id));
  const packages = new Set(data.packages.map((p) => p.id));
  (data.client_packages ?? []).forEach((cp, i) => {
    if (!clients.has(cp.client_id)) problems.push(`client_packages[${i}].client_id ${cp.client_id} is not a client`);
    if (!packages.has(cp.package_id)) problems.push(`client_packages[${i}].package_id ${cp.package_id} is not a package`);
  });
  return problems;
}

export function parseSandboxData(value: unknown, origin: string): SandboxData {
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(`Sandbox data (${origin}) is not in the documented format:\n${z.prettifyError(result.error)}`);
  const problems = crossCheck(result.data);
  if (problems.length > 0) throw new Error(`Sandbox data (${origin}) is inconsistent:\n${problems.join('\n')}`);
  return result.data;
}

const DEFAULT_DATA = new URL('../../samples/sandbox-data.json', import.meta.url);
let defaultData: Promise<unknown> | undefined;

async function readJson(file: string | URL): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read the sandbox data file ${String(file)}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`Sandbox data (${String(file)}) is not valid JSON: ${(error as Error).message}`);
  }
}

/** The data to seed a sandbox with: an object, a JSON file's path, or (undefined) the bundled sample. */
export async function loadSandboxData(source: SandboxData | string | undefined): Promise<SandboxData> {
  if (typeof source === 'object') return parseSandboxData(source, 'object given');
  if (typeof source === 'string') return parseSandboxData(await readJson(source), source);
  // Parsed once per process; every sandbox builds its own mutable state from it.
  defaultData ??= readJson(DEFAULT_DATA);
  return parseSandboxData(await defaultData, 'bundled samples/sandbox-data.json');
}
