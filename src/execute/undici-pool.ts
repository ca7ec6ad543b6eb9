// undici's Pool, without undici's entry point. That entry point also loads fetch, WebSocket, the
// caches and the mocks, and through their globals Node's own copy of undici: tens of milliseconds at
// every start for code this client never runs. Pool comes from its own module; requests go through
// its dispatch() (see http.ts), so the request API's modules are not needed either. The path is
// undici 7.30's, which package.json pins.
import type { Pool as UndiciPool } from 'undici';
import PoolClass from 'undici/lib/dispatcher/pool.js';

export const Pool: typeof UndiciPool = PoolClass;
export type Pool = UndiciPool;
