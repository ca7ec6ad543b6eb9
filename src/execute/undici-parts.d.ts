// The undici modules that src/execute/undici-pool.ts loads on their own, typed as the entry point types them.
declare module 'undici/lib/dispatcher/pool.js' {
  import type { Pool } from 'undici';
  const PoolClass: typeof Pool;
  export default PoolClass;
}
