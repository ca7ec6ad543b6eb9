// What a request came to, as the API client decides on it: a reply (an answer with its parsed JSON
// and a short message a person can read, or no answer), and the ApiError a request that failed for
// good ends in. Server text is kept short and never carries the token.
import { errorText } from './api-schemas.js';
import { maskToken, tokenPattern } from './api-url.js';
import { MAX_ANSWER_BYTES, type HttpOutcome } from './http.js';
import { parseRetryAfter } from './retry.js';

/** A request that failed for good. The message is the server's error text when there was one; never the token. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly httpStatus?: number;
  /** The code of the network failure (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...) when no answer came. */
  readonly networkError?: string;

  constructor(message: string, details: { httpStatus?: number; networkError?: string } = {}) {
    super(message);
    if (details.httpStatus !== undefined) this.httpStatus = details.httpStatus;
    if (details.networkError !== undefined) this.networkError = details.networkError;
  }
}

/** What a request came to: an answer with its parsed JSON (if any), or none. */
export type Reply =
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly json: unknown;
      readonly message: string;
      readonly retryAfterMs?: number;
      /** Larger than MAX_ANSWER_BYTES: only its start came, and `message` says so. */
      readonly truncated?: true;
    }
  | { readonly kind: 'no-answer'; readonly code: string; readonly message: string; readonly status?: number };

const MAX_SERVER_TEXT = 200;

export const isSuccess = (status: number): boolean => status >= 200 && status < 300;

/** An HTTP outcome as a reply: its JSON parsed, and what the server said (or what happened) in a few words. */
export function toReply(outcome: HttpOutcome, resends: number, token: string): Reply {
  if (outcome.kind === 'no-answer') {
    return { kind: 'no-answer', code: outcome.code, message: `no answer: ${outcome.description} (${outcome.code})`, ...(outcome.status !== undefined && { status: outcome.status }) };
  }
  let json: unknown;
  try {
    json = outcome.text.trim() === '' ? undefined : JSON.parse(outcome.text);
  } catch {
    json = undefined;
  }
  const said = json === undefined ? plainText(outcome.text.slice(0, 10 * MAX_SERVER_TEXT)) : errorText(json);
  let message = said === undefined ? `HTTP ${outcome.status}` : cleanServerText(said, token);
  if (outcome.status === 429) message = `rate limited: still 429 after waiting and sending again ${resends} times (${message})`;
  if (outcome.truncated) message = `HTTP ${outcome.status}: the answer was larger than ${MAX_ANSWER_BYTES} bytes`;
  const retryAfterMs = parseRetryAfter(outcome.headers['retry-after'], Date.now());
  return {
    kind: 'answer',
    status: outcome.status,
    json,
    message,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    ...(outcome.truncated && { truncated: true }),
  };
}

/**
 * Server text as shown to a person: short, and never the token even if a proxy echoed it, in another
 * case or URL-encoded. Only the start of the text is searched; the cut moves before a token it would
 * split, so no first characters of one are left behind.
 */
export function cleanServerText(text: string, token: string): string {
  let cut = Math.min(text.length, MAX_SERVER_TEXT);
  if (token) {
    // An encoded token is at most three times as long: every spelling that starts before the cut ends in here.
    for (const found of text.slice(0, MAX_SERVER_TEXT + 3 * token.length).matchAll(tokenPattern(token))) {
      if (found.index < cut && found.index + found[0].length > cut) cut = found.index;
    }
  }
  const shown = maskToken(text.slice(0, cut), token);
  return cut < text.length ? `${shown}…` : shown;
}

/** A non-JSON body as one short line: an HTML error page reads as its text. */
function plainText(text: string): string | undefined {
  const line = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return line || undefined;
}
