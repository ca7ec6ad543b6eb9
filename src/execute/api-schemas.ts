// What the platform answers, read leniently where the contract says it varies (numbers and booleans
// as strings, ids as numbers, nulls for absent fields) and strictly everywhere else: an answer that
// does not fit is reported, never guessed at.
import * as z from 'zod';
import type { Client, ClientPackage, Package } from './api-types.js';
import { canonicalDecimal } from '../validate/money.js';

const id = z.union([z.string().trim().min(1), z.number().int().nonnegative()]).transform(String);

/** Absent, null and "" all mean "not given". */
const optionalText = z
  .string()
  .nullish()
  .transform((v) => (v === null || v === undefined || v.trim() === '' ? undefined : v));

const decimal = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const canonical = canonicalDecimal(v);
  if (canonical === undefined) ctx.addIssue(`not a decimal number: ${JSON.stringify(v)}`);
  return canonical ?? '';
});

const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);
const flag = z.union([z.boolean(), z.string(), z.number()]).transform((v, ctx) => {
  if (typeof v === 'boolean') return v;
  const word = String(v).trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (!FALSE_WORDS.has(word)) ctx.addIssue(`not a true/false value: ${JSON.stringify(v)}`);
  return false;
});

const wholeNumber = z.union([z.number().int(), z.string().trim().regex(/^-?\d+$/, 'not a whole number')]).transform(Number);

const expirationUnit = z.string().transform((v, ctx) => {
  const unit = v.trim().toLowerCase();
  if (!['d', 'w', 'm', 'y'].includes(unit)) ctx.addIssue(`not an expiration unit (d, w, m, y): ${JSON.stringify(v)}`);
  return unit;
});

/** `YYYY-MM-DD`, also when the server adds a time (`2024-03-01T00:00:00Z`): the date as written. */
const isoDate = z.string().transform((v, ctx) => {
  const date = /^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$/.exec(v.trim())?.[1];
  if (date === undefined) ctx.addIssue(`not a YYYY-MM-DD date: ${JSON.stringify(v)}`);
  return date ?? '';
});

const client = z
  .object({
    id,
    email: z.string().nullish(),
    first_name: optionalText,
    last_name: optionalText,
  })
  .transform(
    (c): Client => ({ id: c.id, email: c.email?.trim() ?? '', firstName: c.first_name, lastName: c.last_name }),
  );

const paymentPackage = z
  .object({
    id,
    name: z.string(),
    price: decimal,
    currency: z.string().trim().min(1),
    active: flag,
    expiration: wholeNumber.nullish(),
    expiration_unit: expirationUnit.nullish(),
  })
  .transform(
    (p): Package => ({
      id: p.id,
      name: p.name,
      price: p.price,
      currency: p.currency,
      active: p.active,
      expiration: p.expiration ?? undefined,
      expirationUnit: p.expiration_unit ?? undefined,
    }),
  );

const clientPackage = z
  .object({
    id,
    client_id: id,
    package_id: id,
    valid_from: isoDate,
    valid_until: isoDate.nullish(),
    name: optionalText,
    amount: decimal.nullish(),
    currency: optionalText,
  })
  .transform(
    (p): ClientPackage => ({
      id: p.id,
      clientId: p.client_id,
      packageId: p.package_id,
      validFrom: p.valid_from,
      validUntil: p.valid_until ?? undefined,
      name: p.name,
      amount: p.amount ?? undefined,
      currency: p.currency,
    }),
  );

/** `{"status":"OK","data":{...}}`; a missing status is tolerated, another one is not. */
const ok = <T extends z.ZodType>(data: T) =>
  z.object({ status: z.string().regex(/^ok$/i, 'expected "OK"').optional(), data });

export const clientsAnswer = ok(z.object({ clients: z.array(client) })).transform((a) => a.data.clients);
export const packagesAnswer = ok(z.object({ packages: z.array(paymentPackage) })).transform((a) => a.data.packages);
export const clientPackagesAnswer = ok(z.object({ client_packages: z.array(clientPackage) })).transform(
  (a) => a.data.client_packages,
);
export const createdAnswer = ok(z.object({ client_package: clientPackage })).transform((a) => a.data.client_package);

/** The first few problems of an answer that did not fit, as `path: problem`. */
export function describeMismatch(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
    return `${path.replace(/^\./, '') || '(whole answer)'}: ${issue.message}`;
  });
  const more = error.issues.length > shown.length ? ` (and ${error.issues.length - shown.length} more)` : '';
  return shown.join('; ') + more;
}

/** An error answer's text: `{"status":"Error","error":"..."}`, `{"success":false,"errors":[{code,message}]}`, or the body itself. */
export function errorText(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { error, errors, message } = body as { error?: unknown; errors?: unknown; message?: unknown };
  if (typeof error === 'string' && error.trim()) return error.trim();
  if (Array.isArray(errors)) {
    const parts = errors
      .map((e: unknown) => {
        if (typeof e === 'string') return e;
        const { code, message: text } = (e ?? {}) as { code?: unknown; message?: unknown };
        if (typeof text === 'string' && text.trim()) return typeof code === 'string' && code ? `${text.trim()} (${code})` : text.trim();
        return typeof code === 'string' ? code : undefined;
      })
      .filter((part): part is string => Boolean(part));
    if (parts.length > 0) return parts.join('; ');
  }
  if (typeof message === 'string' && message.trim()) return message.trim();
  return undefined;
}

/** The platform application's own error, `{"status":"Error","error":"..."}`, as against a gateway's (`success: false`). */
export function isControllerError(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const { status, error } = body as { status?: unknown; error?: unknown };
  return status === 'Error' && typeof error === 'string';
}

/** Whether a parsed body is one of the two error envelopes, whatever its HTTP status. */
export function isErrorEnvelope(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const { status, success } = body as { status?: unknown; success?: unknown };
  return (typeof status === 'string' && status.toLowerCase() === 'error') || success === false;
}
