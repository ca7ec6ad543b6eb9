// Fetch once, share everywhere: each distinct email and each client's packages is asked for once per run,
// however many rows need it and however many ask at the same time.
import type { Client, ClientPackage } from '../execute/api-types.js';
import { emailKey } from './keys.js';

export interface LookupSource {
  searchClientsByEmail(email: string): Promise<Client[]>;
  listClientPackages(clientId: string): Promise<ClientPackage[]>;
}

/** A map of promises: the first caller starts the request, later callers share its answer (or its error). */
class SharedLookups<T> {
  private readonly pending = new Map<string, Promise<T>>();

  constructor(private readonly load: (key: string) => Promise<T>) {}

  get(key: string): Promise<T> {
    let answer = this.pending.get(key);
    if (!answer) {
      answer = this.load(key);
      this.pending.set(key, answer);
    }
    return answer;
  }
}

export class Lookups {
  private readonly clients: SharedLookups<Client[]>;
  private readonly clientPackages: SharedLookups<ClientPackage[]>;

  constructor(source: LookupSource) {
    this.clients = new SharedLookups((email) => source.searchClientsByEmail(email));
    this.clientPackages = new SharedLookups((clientId) => source.listClientPackages(clientId));
  }

  /** Emails are compared as emailKey reads them, so `Ann@X.com ` and `ann@x.com` are one lookup. */
  clientsByEmail(email: string): Promise<Client[]> {
    return this.clients.get(emailKey(email));
  }

  packagesOf(clientId: string): Promise<ClientPackage[]> {
    return this.clientPackages.get(clientId);
  }
}
