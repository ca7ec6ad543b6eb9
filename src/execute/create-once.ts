// Sending one row's create, exactly once: an intent is made durable before each send, and a create whose
// answer was lost is read back (again once the platform has had settleMs to finish it) before anything
// is sent again. Only a create read back and not there is retried.
import type { AssignmentRecord, RowOutcome } from '../pipeline/types.js';
import type { Client, CreateBody, CreateResult, Package } from './api-types.js';
import { identityOf } from './claims.js';
import type { RowExecutorOptions } from './executor.js';
import { createdMessage } from './messages.js';
import { StoppedBeforeSending } from './rate-limit.js';
import { decideRetry } from './retry.js';
import { pendingOutcome, readBack, stopOnTokenProblem } from './row-reads.js';

export const RUN_AGAIN = 'Run the same command again: it reads back first, and sends it only if it is still not there.';

/** What a create needs of the executor it runs in. */
export interface CreateContext {
  readonly options: RowExecutorOptions;
  /** Wall-clock milliseconds, kept in the journal across runs. */
  readonly now: () => number;
  readonly settleMs: number;
}

export async function createOnce(
  context: CreateContext,
  record: AssignmentRecord,
  key: string,
  pkg: Package,
  client: Client,
  before: readonly string[],
  earlierAttempts: number,
): Promise<RowOutcome> {
  const { options, now: clock, settleMs } = context;
  const { api, journal, signal } = options;
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
    await journal?.intent(key, before, attempts, clock(), identityOf(client.id, pkg.id, record.validFrom));
    // The stop may have come while the intent was written: the intent only makes a rerun read back
    // first, and the rerun need not wait for a create that never left.
    if (signal?.aborted) {
      await journal?.unsent(key).catch(() => undefined);
      return unsent();
    }
    let result: CreateResult;
    try {
      result = await api.createClientPackage(body);
    } catch (error) {
      if (!(error instanceof StoppedBeforeSending)) throw error;
      await journal?.unsent(key).catch(() => undefined);
      return unsent();
    }

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

    // Unknown outcome: read back before anything else is sent. One the platform may still be working
    // on is read back again once it has had settleMs to finish; only then is it counted as not made.
    const answeredAt = clock();
    await journal?.unclear(key, answeredAt, result.finished);
    await options.sleep(options.readBackDelayMs ?? 1000);
    const unknown = (why: string): RowOutcome => ({
      ...base,
      status: 'failed',
      code: 'OUTCOME_UNKNOWN',
      message: `outcome unknown: the create got no clear answer (${result.message}); ${why}, so it was not sent again. ${RUN_AGAIN}`,
      ...(result.httpStatus !== undefined && { httpStatus: result.httpStatus }),
      attempts,
    });
    let now = await readBack(api, client, pkg, record);
    let landed = now.ok ? now.value.find((p) => !before.includes(p.id)) : undefined;
    const left = Math.min(answeredAt + settleMs - clock(), settleMs);
    if (now.ok && !landed && !result.finished && left > 0) {
      await options.sleep(left, signal);
      if (signal?.aborted) return unknown('it was not there when read back, and the run stopped before the platform had had its time to finish it');
      now = await readBack(api, client, pkg, record);
      landed = now.ok ? now.value.find((p) => !before.includes(p.id)) : undefined;
    }
    if (!now.ok) return unknown(`reading it back failed (${now.error})`);
    if (!landed && result.httpStatus !== undefined && result.httpStatus >= 200 && result.httpStatus < 300) {
      return unknown('the platform answered that it was made, yet it was not there when read back');
    }
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
      maxRetries: options.retries,
      httpStatus: result.httpStatus,
      networkError: result.httpStatus === undefined,
      // What it asked for counts from its answer: the read back and the settle took part of it already.
      ...(result.retryAfterMs !== undefined && { retryAfterMs: Math.max(0, answeredAt + result.retryAfterMs - clock()) }),
      random: options.random,
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
    await options.sleep(decision.delayMs, signal);
  }
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
