// The library: the same engine the CLI runs.
export { runImport } from './pipeline/run-import.js';
export { validateFile } from './pipeline/validate-file.js';
export { DEFAULTS } from './pipeline/options.js';
export type { ImportOptions, ValidateOptions, ReadOptions, RunHooks, RunResult, Progress } from './pipeline/options.js';
export type { RowOutcome, RunSummary, Status, DateFormat, MoneyTotals } from './pipeline/types.js';
export { STATUSES, RESULT_COLUMNS } from './pipeline/types.js';
export { RunError } from './errors.js';
export type { RunErrorCode } from './errors.js';
export { startSandbox } from './sandbox/server.js';
export type { Sandbox, SandboxOptions } from './sandbox/server.js';
