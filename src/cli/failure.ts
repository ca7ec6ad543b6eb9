// A run that could not start, as a person reads it on stderr (and as one JSON object on stdout with
// --json): what went wrong and what to do next, never the token.
import { CommanderError } from 'commander';
import { RUN_ERRORS, RunError, writeError } from '../errors.js';

/** What the person is told: the same three parts on stderr and, with --json, on stdout. */
interface Failure {
  readonly code: string;
  readonly message: string;
  readonly advice?: string;
}

/** Errors from the file system that say nothing a person can act on without a sentence around them. */
const DISK_ERRORS: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT']);

// Flags a person reaches for to hand over a secret. The name alone is matched (never a value), and
// as a whole word, so that `--author` is not taken for `--auth`.
const SECRET_FLAG = /(?:^|[-_])(?:token|bearer|api[-_]?key|secret|password|passwd|auth|authorization|credentials?)(?:$|[-_])/i;

/**
 * The parser's message with nothing of what followed an `=`: `--token=abc` would otherwise be shown
 * as typed. Returns the flag name too, when the message is about an unknown option.
 */
export function usageText(message: string): { text: string; unknownFlag?: string } {
  const stripped = message.replace(/^error: /, '').trim();
  const unknown = /^unknown option '([^'=]*)(=[^']*)?'/.exec(stripped);
  if (!unknown) return { text: stripped };
  const flag = unknown[1]!;
  const rest = stripped.slice(unknown[0].length);
  return { text: `unknown option '${flag}'${unknown[2] === undefined ? '' : ' (its value is not shown)'}${rest}`, unknownFlag: flag };
}

/** A parser error as a failure: the token flags a person might try are answered with where the token goes. */
export function usageFailure(message: string): Failure {
  const { text, unknownFlag } = usageText(message);
  if (unknownFlag !== undefined && SECRET_FLAG.test(unknownFlag.replace(/^-+/, ''))) {
    return { code: 'TOKEN_AS_OPTION', message: text, advice: RUN_ERRORS.TOKEN_AS_OPTION };
  }
  return { code: 'USAGE', message: text, advice: RUN_ERRORS.USAGE };
}

function failureOf(error: unknown): Failure {
  if (error instanceof CommanderError) return usageFailure(error.message);
  if (error instanceof RunError) return { code: error.code, message: error.message, advice: error.advice };
  const errno = error as NodeJS.ErrnoException;
  if (typeof errno?.code === 'string' && DISK_ERRORS.has(errno.code)) {
    // A write the writers did not wrap: the advice comes from the RunError, as for those they did.
    const disk = writeError('OUTPUT_UNWRITABLE', `Cannot write ${errno.path ?? 'the results'}`, error);
    return { code: disk.code, message: disk.message, advice: disk.advice };
  }
  return { code: 'ERROR', message: error instanceof Error ? error.message : String(error) };
}

/**
 * Tells the person why the run could not start. The parser has already written its own message on
 * stderr (see `parserOutput`); everything else is written here. Every text goes through `mask`.
 */
export function reportFailure(error: unknown, json: boolean, mask: (text: string) => string): void {
  const { code, message, advice } = failureOf(error);
  const shown = { code, message: mask(message), ...(advice !== undefined && { advice }) };
  if (!(error instanceof CommanderError)) {
    process.stderr.write(`Error: ${shown.message}\n${advice === undefined ? '' : `${advice}\n`}`);
  }
  if (json) process.stdout.write(`${JSON.stringify({ error: shown })}\n`);
  if (process.env.CLIENT_PACKAGES_DEBUG && error instanceof Error) process.stderr.write(`${mask(error.stack ?? '')}\n`);
}

/** The parser's error output: its message without an option's value, the token masked, and what to do next. */
export function parserOutput(mask: (text: string) => string): { outputError: (text: string, write: (text: string) => void) => void } {
  return {
    outputError: (text, write) => {
      const { message, advice } = usageFailure(text);
      write(`error: ${mask(message)}\n${advice === RUN_ERRORS.USAGE ? '' : `${advice}\n`}`);
    },
  };
}
