// The platform's objects as the tool uses them, after coercion (numbers and booleans that arrive as
// strings are read as numbers and booleans; money stays a canonical decimal string).

export interface Client {
  readonly id: string;
  readonly email: string;
  readonly firstName?: string;
  readonly lastName?: string;
}

export interface Package {
  readonly id: string;
  readonly name: string;
  /** Canonical decimal string, e.g. `"223.5"`. */
  readonly price: string;
  readonly currency: string;
  readonly active: boolean;
  readonly expiration?: number;
  /** `d`, `w`, `m` or `y`, lower-cased. */
  readonly expirationUnit?: string;
}

export interface ClientPackage {
  readonly id: string;
  readonly clientId: string;
  readonly packageId: string;
  readonly validFrom: string;
  readonly validUntil?: string;
  readonly name?: string;
  /** Canonical decimal string. */
  readonly amount?: string;
  readonly currency?: string;
}

export interface CreateBody {
  readonly client_id: string;
  readonly package_id: string;
  readonly valid_from: string;
  readonly valid_until?: string;
  readonly price?: number;
  readonly conversation_id?: string;
}

export type CreateResult =
  /** 201: the package exists now. */
  | { readonly kind: 'created'; readonly clientPackage: ClientPackage; readonly httpStatus: number }
  /** A 4xx other than 429: the server refused, nothing was created; not worth retrying. */
  | { readonly kind: 'rejected'; readonly httpStatus: number; readonly message: string }
  /** A 5xx, a timeout or a dropped connection: it may or may not have been created; read back first. */
  | {
      readonly kind: 'unknown';
      readonly httpStatus?: number;
      readonly message: string;
      /**
       * The platform is done with this request: its own 500 answered, or the request never reached it.
       * Otherwise (no answer in time, a connection dropped after sending, any other 5xx, a success we
       * could not read) it may still be creating the package, or have made it.
       */
      readonly finished: boolean;
      /** A 503's `Retry-After`, from when it answered: the create is not sent again sooner. */
      readonly retryAfterMs?: number;
    };

/** One HTTP request as observed, for progress, the Summary and the benchmarks. Never holds the token. */
export interface RequestEvent {
  readonly method: 'GET' | 'POST';
  readonly route: 'clients' | 'packages' | 'client_packages' | 'create';
  readonly httpStatus?: number;
  /** Set when no answer came (timeout, refused, dropped). */
  readonly networkError?: string;
  readonly durationMs: number;
}
