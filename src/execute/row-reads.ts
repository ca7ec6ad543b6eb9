// What a row reads from the platform (its client, the client's packages that match it, a read back after
// a create), and what the row ends with when it cannot go on: a failed read is the row's outcome, a stop
// before the read went out leaves it pending, and a rejected token stops the whole run.
import { RunError } from '../errors.js';
import type { AssignmentRecord, RowOutcome } from '../pipeline/types.js';
import type { Lookups } from '../resolve/lookups.js';
import { resolveClient, resolveClientWithId } from '../resolve/resolve.js';
import type { Client, ClientPackage, Package } from './api-types.js';
import { ApiError } from './api-client.js';
import type { CreateApi } from './executor.js';
import { StoppedBeforeSending } from './rate-limit.js';

export type Step<T> = { ok: true; value: T } | { ok: false; outcome: RowOutcome };

export const INTERRUPTED_MESSAGE = 'not sent: the run was interrupted; run the same command again to resume';

/** The outcome of a row the run stopped before sending. */
export function pendingOutcome(sourceRow: number): RowOutcome {
  return { sourceRow, status: 'pending', code: 'INTERRUPTED', message: INTERRUPTED_MESSAGE };
}

export async function resolveClientOf(lookups: Lookups, record: AssignmentRecord): Promise<Step<Client>> {
  const { clientId, clientEmail } = record;
  if (clientId !== undefined && clientEmail === undefined) return { ok: true, value: { id: clientId, email: '' } };
  try {
    // An email beside a client_id is looked up too: the row goes on only if the two name one client.
    const found = await lookups.clientsByEmail(clientEmail ?? '');
    return clientId !== undefined ? resolveClientWithId(record, found) : resolveClient(record, found);
  } catch (error) {
    if (error instanceof StoppedBeforeSending) return { ok: false, outcome: pendingOutcome(record.sourceRow) };
    stopOnApiTokenError(error);
    return lookupFailed(record, `looking up the client ${record.clientEmail} failed: ${errorText(error)}`);
  }
}

export async function existingMatches(lookups: Lookups, record: AssignmentRecord, client: Client, pkg: Package): Promise<Step<ClientPackage[]>> {
  try {
    const all = await lookups.packagesOf(client.id);
    return { ok: true, value: all.filter((p) => matches(p, pkg, record)) };
  } catch (error) {
    if (error instanceof StoppedBeforeSending) return { ok: false, outcome: pendingOutcome(record.sourceRow) };
    stopOnApiTokenError(error);
    const what = error instanceof ApiError && error.httpStatus === 404 ? 'client not found' : errorText(error);
    return lookupFailed(record, `reading the client's existing packages failed: ${what}`);
  }
}

/** The client's packages matching the row, read now (not the run's first reading). */
export async function readBack(
  api: CreateApi,
  client: Client,
  pkg: Package,
  record: AssignmentRecord,
): Promise<{ ok: true; value: ClientPackage[] } | { ok: false; error: string }> {
  try {
    const all = await api.listClientPackages(client.id, { readBack: true });
    return { ok: true, value: all.filter((p) => matches(p, pkg, record)) };
  } catch (error) {
    stopOnApiTokenError(error);
    return { ok: false, error: error instanceof StoppedBeforeSending ? 'the run stopped first' : errorText(error) };
  }
}

function matches(p: ClientPackage, pkg: Package, record: AssignmentRecord): boolean {
  return p.packageId === pkg.id && p.validFrom === record.validFrom;
}

function lookupFailed(record: AssignmentRecord, message: string): Step<never> {
  const safe = `${message} (nothing was sent for this row: importing it again is safe)`;
  return { ok: false, outcome: { sourceRow: record.sourceRow, status: 'failed', code: 'LOOKUP_FAILED', message: safe } };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A rejected token stops the whole run: every further row would fail the same way. */
export function stopOnTokenProblem(httpStatus: number | undefined, message: string): void {
  if (httpStatus === 401) throw new RunError('TOKEN_REJECTED', 'The platform rejected the token (401 Unauthorized).');
  if (httpStatus === 422 && /^unauthori[sz]ed$/i.test(message.trim())) {
    throw new RunError('TOKEN_NOT_STAFF', 'The platform refused to create with this token (422 Unauthorized).');
  }
}

function stopOnApiTokenError(error: unknown): void {
  if (error instanceof ApiError) stopOnTokenProblem(error.httpStatus, error.message);
  else if (!(error instanceof Error)) throw error;
}
