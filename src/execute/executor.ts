// One row from record to outcome: resolve, check what exists, create exactly once.
// Exactly once rests on two rules: an intent is durable before every create is sent, and a create whose
// answer was lost is read back before anything is sent again (in this run or a resumed one).
import { RunError } from '../errors.js';
import type { AssignmentRecord, RowOutcome } from '../pipeline/types.js';
import type { Lookups } from '../resolve/lookups.js';
import { resolveClient, resolvePackage, type PackageIndex } from '../resolve/resolve.js';
import type { Client, ClientPackage, CreateBody, CreateResult, Package } from './api-types.js';
import { ApiError } from './api-client.js';
import type { Journal } from './journal.js';
import { createdMessage, skippedMessage, wouldCreateMessage } from './messages.js';
import { decideRetry } from './retry.js';

export interface CreateApi {
  createClientPackage(body: CreateBody): Promise<CreateResult>;
  listClientPackages(clientId: string): Promise<ClientPackage[]>;
}

export interface RowExecutorOptions {
  readonly api: CreateApi;
  readonly lookups: Lookups;
  readonly packages: PackageIndex;
  /** Absent on a dry run: nothing is sent, so there is nothing to remember. */
  readonly journal?: Journal;
  readonly onExisting: 'skip' | 'create';
  readonly dryRun: boolean;
  readonly retries: number;
  /** Resolves after `ms`, or early once `signal` is aborted. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random: () => number;
  /** Aborted on Ctrl-C: rows not yet sent become `pending`. */
  readonly signal?: AbortSignal;
  /** Pause before reading back a lost create, so a slow server has finished committing it. */
  readonly readBackDelayMs?: number;
}

type Step<T> = { ok: true; value: T } | { ok: false; outcome: RowOutcome };

export const INTERRUPTED_MESSAGE = 'not sent: the run was interrupted; run the same command again to resume';

export class RowExecutor {
  /** Resolved (client, package, valid_from) of the rows of this run: two rows never create the same package. */
  private readonly claimed = new Map<string, number>();

  constructor(private readonly options: RowExecutorOptions) {}

  async execute(record: AssignmentRecord, key: string): Promise<RowOutcome> {
    const { journal, packages, signal } = this.options;
    const prior = journal?.priorState(key);
    if (prior?.done) return { ...prior.done, sourceRow: record.sourceRow };
    if (signal?.aborted) return pendingOutcome(record.sourceRow);

    const client = await this.resolveClientOf(record);
    if (!client.ok) return client.outcome;
    const pkgStep = resolvePackage(record, packages);
    if (!pkgStep.ok) return { ...pkgStep.outcome, resolvedClientId: client.value.id };
    const pkg = pkgStep.value;
    const ids = { resolvedClientId: client.value.id, resolvedPackageId: pkg.id };

    const identity = `${client.value.id}|${pkg.id}|${record.validFrom}`;
    const firstRow = this.claimed.get(identity);
    if (firstRow !== undefined) {
      const message = `same client, package and valid_from as row ${firstRow}`;
      return { sourceRow: record.sourceRow, status: 'duplicate', code: 'DUPLICATE', message, ...ids };
    }
    this.claimed.set(identity, record.sourceRow);

    const existing = await this.existingMatches(record, client.value, pkg);
    if (!existing.ok) return { ...existing.outcome, ...ids };
    const price = { price: record.price ?? pkg.price, currency: pkg.currency };

    // A create of an earlier run that never reported back: if a package appeared since, it is ours.
    const landed = prior?.before && existing.value.find((p) => !prior.before!.includes(p.id));
    if (landed) {
      const outcome: RowOutcome = {
        sourceRow: record.sourceRow,
        status: 'created',
        message: `${createdMessage(record, pkg, client.value.id, landed)} (confirmed by reading back)`,
        ...ids,
        clientPackageId: landed.id,
        attempts: prior.attempts,
        ...price,
      };
      await journal?.outcome(key, outcome);
      return outcome;
    }

    const already = existing.value[0];
    if (this.options.onExisting === 'skip' && already) {
      const outcome: RowOutcome = {
        sourceRow: record.sourceRow,
        status: 'skipped',
        message: skippedMessage(pkg, already),
        ...ids,
        clientPackageId: already.id,
        ...price,
      };
      await journal?.outcome(key, outcome);
      return outcome;
    }

    if (this.options.dryRun) {
      const message = wouldCreateMessage(record, pkg, client.value.id);
      return { sourceRow: record.sourceRow, status: 'would_create', message, ...ids, ...price };
    }
    const before = prior?.before ?? existing.value.map((p) => p.id);
    return this.createOnce(record, key, pkg, client.value, before, prior?.attempts ?? 0);
  }

  private async createOnce(
    record: AssignmentRecord,
    key: string,
    pkg: Package,
    client: Client,
    before: readonly string[],
    earlierAttempts: number,
  ): Promise<RowOutcome> {
    const { api, journal, signal } = this.options;
    const base = {
      sourceRow: record.sourceRow,
      resolvedClientId: client.id,
      resolvedPackageId: pkg.id,
      price: record.price ?? pkg.price,
      currency: pkg.currency,
    };
    const body = createBody(record, client.id, pkg.id);
    let attempts = earlierAttempts;
    // Once the run stops (Ctrl-C, or a fatal error on another row), a create not yet sent stays unsent.
    const unsent = (): RowOutcome => ({ ...pendingOutcome(record.sourceRow), ...base, ...(attempts > 0 && { attempts }) });
    for (let attemptThisRun = 1; ; attemptThisRun++) {
      if (signal?.aborted) return unsent();
      attempts++;
      await journal?.intent(key, before, attempts);
      // The stop may have come while the intent was written: the intent only makes a rerun read back first.
      if (signal?.aborted) return unsent();
      const result = await api.createClientPackage(body);

      if (result.kind === 'created') {
        const made = result.clientPackage;
        const outcome: RowOutcome = {
          ...base,
          status: 'created',
          message: createdMessage(record, pkg, client.id, made),
          clientPackageId: made.id,
          httpStatus: result.httpStatus,
          attempts,
          price: made.amount ?? base.price,
          currency: made.currency ?? base.currency,
        };
        await journal?.outcome(key, outcome);
        return outcome;
      }

      if (result.kind === 'rejected') {
        stopOnTokenProblem(result.httpStatus, result.message);
        const outcome: RowOutcome = {
          ...base,
          status: 'failed',
          code: 'API_REJECTED',
          message: `rejected by the platform (${result.httpStatus}): ${result.message}`,
          httpStatus: result.httpStatus,
          attempts,
        };
        await journal?.outcome(key, outcome);
        return outcome;
      }

      // Unknown outcome: read back before anything else is sent.
      await this.options.sleep(this.options.readBackDelayMs ?? 1000);
      let now: ClientPackage[];
      try {
        now = await api.listClientPackages(client.id);
      } catch (error) {
        stopOnApiTokenError(error);
        return {
          ...base,
          status: 'failed',
          code: 'OUTCOME_UNKNOWN',
          message:
            `outcome unknown: the create got no clear answer (${result.message}) and reading back failed ` +
            `(${errorText(error)}); it was not sent again, to avoid billing twice. Run the same command again: ` +
            'it reads back first.',
          httpStatus: result.httpStatus,
          attempts,
        };
      }
      const landed = now.find((p) => matches(p, pkg, record) && !before.includes(p.id));
      if (landed) {
        const outcome: RowOutcome = {
          ...base,
          status: 'created',
          message: `${createdMessage(record, pkg, client.id, landed)} (confirmed by reading back after: ${result.message})`,
          clientPackageId: landed.id,
          httpStatus: result.httpStatus,
          attempts,
        };
        await journal?.outcome(key, outcome);
        return outcome;
      }

      const decision = decideRetry({
        attempt: attemptThisRun,
        maxRetries: this.options.retries,
        httpStatus: result.httpStatus,
        networkError: result.httpStatus === undefined,
        random: this.options.random,
      });
      if (!decision.retry) {
        // Settled: read back, not there. A rerun still reads back before sending it again.
        const outcome: RowOutcome = {
          ...base,
          status: 'failed',
          code: 'API_UNAVAILABLE',
          message:
            `not created after ${attemptThisRun} attempt${attemptThisRun === 1 ? '' : 's'}: ${result.message} ` +
            '(read back: the package is not there, so running again is safe)',
          httpStatus: result.httpStatus,
          attempts,
        };
        await journal?.outcome(key, outcome);
        return outcome;
      }
      await this.options.sleep(decision.delayMs, signal);
    }
  }

  private async resolveClientOf(record: AssignmentRecord): Promise<Step<Client>> {
    if (record.clientId !== undefined) return { ok: true, value: { id: record.clientId, email: record.clientEmail ?? '' } };
    try {
      return resolveClient(record, await this.options.lookups.clientsByEmail(record.clientEmail ?? ''));
    } catch (error) {
      stopOnApiTokenError(error);
      return lookupFailed(record, `looking up the client ${record.clientEmail} failed: ${errorText(error)}`);
    }
  }

  private async existingMatches(record: AssignmentRecord, client: Client, pkg: Package): Promise<Step<ClientPackage[]>> {
    try {
      const all = await this.options.lookups.packagesOf(client.id);
      return { ok: true, value: all.filter((p) => matches(p, pkg, record)) };
    } catch (error) {
      stopOnApiTokenError(error);
      const what = error instanceof ApiError && error.httpStatus === 404 ? 'client not found' : errorText(error);
      return lookupFailed(record, `reading the client's existing packages failed: ${what}`);
    }
  }
}

function matches(p: ClientPackage, pkg: Package, record: AssignmentRecord): boolean {
  return p.packageId === pkg.id && p.validFrom === record.validFrom;
}

function createBody(record: AssignmentRecord, clientId: string, packageId: string): CreateBody {
  return {
    client_id: clientId,
    package_id: packageId,
    valid_from: record.validFrom,
    ...(record.validUntil !== undefined && { valid_until: record.validUntil }),
    ...(record.price !== undefined && { price: Number(record.price) }),
    ...(record.conversationId !== undefined && { conversation_id: record.conversationId }),
  };
}

/** The outcome of a row the run stopped before sending. */
export function pendingOutcome(sourceRow: number): RowOutcome {
  return { sourceRow, status: 'pending', code: 'INTERRUPTED', message: INTERRUPTED_MESSAGE };
}

function lookupFailed(record: AssignmentRecord, message: string): Step<never> {
  return { ok: false, outcome: { sourceRow: record.sourceRow, status: 'failed', code: 'LOOKUP_FAILED', message } };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A rejected token stops the whole run: every further row would fail the same way. */
function stopOnTokenProblem(httpStatus: number | undefined, message: string): void {
  if (httpStatus === 401) throw new RunError('TOKEN_REJECTED', 'The platform rejected the token (401 Unauthorized).');
  if (httpStatus === 422 && /^unauthori[sz]ed$/i.test(message.trim())) {
    throw new RunError('TOKEN_NOT_STAFF', 'The platform refused to create with this token (422 Unauthorized).');
  }
}

function stopOnApiTokenError(error: unknown): void {
  if (error instanceof ApiError) stopOnTokenProblem(error.httpStatus, error.message);
  else if (!(error instanceof Error)) throw error;
}
