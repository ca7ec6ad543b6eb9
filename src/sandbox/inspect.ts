// What tests and people rehearsing an import can see that the real API never shows: every create
// of this life, the duplicates among them, request counts, and the fault knobs. In-process through
// SandboxInspector; over HTTP under /__sandbox/ (no auth, no faults, not counted).

import type { FaultPlan, FaultSettings } from './faults.js';
import type { Answer } from './routes.js';
import type { CreatedRecord, SandboxStore } from './store.js';

export type FaultKnobs = Partial<Pick<FaultSettings, 'latencyMs' | 'rate' | 'failRate' | 'dropBefore' | 'dropAfter' | 'lateCommit' | 'lateCommitMs'>>;

export interface SandboxInspector {
  /** Every package created during this server's life, in order, with the request body received and the answer. */
  created(): CreatedRecord[];
  /** (client, package, valid_from) present more than once, at least once created in this life; a seed package counts as one. */
  duplicates(): Array<{ clientId: string; packageId: string; validFrom: string; count: number }>;
  /** route -> status (or 'dropped') -> count. */
  requests(): { total: number; byRoute: Record<string, Record<string, number>> };
  /** The client's packages as the API would answer them. */
  clientPackages(clientId: string): unknown[];
  setFaults(f: FaultKnobs): void;
}

export class RequestStats {
  total = 0;
  private readonly byRoute = new Map<string, Map<string, number>>();

  record(route: string, outcome: number | 'dropped'): void {
    this.total += 1;
    const counts = this.byRoute.get(route) ?? new Map<string, number>();
    const key = String(outcome);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    this.byRoute.set(route, counts);
  }

  snapshot(): { total: number; byRoute: Record<string, Record<string, number>> } {
    const byRoute: Record<string, Record<string, number>> = {};
    for (const [route, counts] of this.byRoute) byRoute[route] = Object.fromEntries(counts);
    return { total: this.total, byRoute };
  }
}

export function createInspector(store: SandboxStore, stats: RequestStats, faults: FaultPlan): SandboxInspector {
  return {
    // Copies, so a test that edits what it read cannot change the sandbox's state.
    created: () => structuredClone(store.created),
    duplicates: () => store.duplicates(),
    requests: () => stats.snapshot(),
    clientPackages: (clientId) => structuredClone([...store.clientPackagesOf(clientId)]),
    setFaults: (f) => faults.update(f),
  };
}

const FAULT_KNOBS = ['latencyMs', 'rate', 'failRate', 'dropBefore', 'dropAfter', 'lateCommit', 'lateCommitMs'] as const;

function faultChanges(body: unknown): FaultKnobs {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new RangeError('the body must be a JSON object');
  const changes: FaultKnobs = {};
  for (const [name, value] of Object.entries(body)) {
    if (!(FAULT_KNOBS as readonly string[]).includes(name)) throw new RangeError(`unknown knob "${name}"; knobs: ${FAULT_KNOBS.join(', ')}`);
    changes[name as (typeof FAULT_KNOBS)[number]] = value as number;
  }
  return changes;
}

/** Answers a request whose path is under /__sandbox. */
export function inspectionAnswer(method: string, path: string, body: string, inspector: SandboxInspector, faults: FaultPlan): Answer {
  const plain = (status: number, value: unknown): Answer => ({ status, body: value });
  const clientMatch = /^\/__sandbox\/clients\/([^/]+)\/client_packages$/.exec(path);
  if (method === 'GET' && clientMatch) return plain(200, { client_packages: inspector.clientPackages(decodeURIComponentSafe(clientMatch[1] ?? '')) });
  if (method === 'GET') {
    switch (path) {
      case '/__sandbox':
      case '/__sandbox/':
        return plain(200, {
          created: '/__sandbox/created',
          duplicates: '/__sandbox/duplicates',
          stats: '/__sandbox/stats',
          faults: '/__sandbox/faults (GET, or POST a JSON object of knobs to change)',
          client_packages: '/__sandbox/clients/{client_id}/client_packages',
        });
      case '/__sandbox/created':
        return plain(200, { created: inspector.created() });
      case '/__sandbox/duplicates':
        return plain(200, { duplicates: inspector.duplicates() });
      case '/__sandbox/stats':
        return plain(200, { ...inspector.requests(), faults: faults.settings, seed: faults.seed });
      case '/__sandbox/faults':
        return plain(200, { faults: faults.settings, seed: faults.seed });
    }
  }
  if (method === 'POST' && path === '/__sandbox/faults') {
    try {
      inspector.setFaults(faultChanges(JSON.parse(body || '{}')));
      return plain(200, { faults: faults.settings, seed: faults.seed });
    } catch (error) {
      return plain(400, { error: (error as Error).message });
    }
  }
  return plain(404, { error: `No inspection route ${method} ${path}` });
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function isInspectionPath(path: string): boolean {
  return path === '/__sandbox' || path.startsWith('/__sandbox/');
}
