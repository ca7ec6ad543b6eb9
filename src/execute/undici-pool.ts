// undici's Pool, without undici's entry point. That entry point also loads fetch, WebSocket, the
// caches and the mocks, and through their globals Node's own copy of undici: tens of milliseconds at
// every start for code this client never runs. Pool and the request API come from their own modules,
// joined the way the entry point joins them. The paths are undici 7.30's, which package.json pins.
import type { Pool as UndiciPool } from 'undici';
import requestApi from 'undici/lib/api/index.js';
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import PoolClass from 'undici/lib/dispatcher/pool.js';

Object.assign(Dispatcher.prototype, requestApi);

export const Pool: typeof UndiciPool = PoolClass;
export type Pool = UndiciPool;
