// The two base URLs: what is refused before anything is sent (plain http:// to another machine,
// credentials, a query or the token in the URL), and how a URL splits into the pool's origin and a
// path prefix. Also how the token is found in any text, so that no message ever shows it.
import { RunError } from '../errors.js';

/** Where one of the two base URLs points: the origin for the pool, a path prefix, and what to show a person. */
export interface Base {
  readonly origin: string;
  readonly prefix: string;
  readonly shown: string;
}

/**
 * Refuse plain http:// for a host other than loopback (127.0.0.0/8, ::1, localhost) unless
 * allowInsecure: RunError INSECURE_URL. Also reject non-http(s) URLs (RunError CONFIG), and, when the
 * token is given, a URL that holds it (RunError TOKEN_IN_URL): a URL is shown and written everywhere.
 */
export function checkApiUrl(url: string, allowInsecure: boolean, token?: string): void {
  if (token !== undefined) refuseTokenInUrl(url, token, 'The API URL');
  const parsed = parseApiUrl(url);
  if (parsed.username || parsed.password) {
    throw new RunError('CONFIG', 'The API URL must not contain a user name or password; the token goes in PLATFORM_STAFF_TOKEN.');
  }
  if (parsed.search || parsed.hash) {
    // The query itself is left out of the message: it is where keys and tokens tend to be put.
    const what = parsed.search ? 'a query (?...)' : 'a fragment (#...)';
    throw new RunError('CONFIG', `The API URL must not contain ${what}; give it as ${parsed.origin}${parsed.pathname}.`);
  }
  if (parsed.protocol === 'http:' && !allowInsecure && !isLoopback(parsed.hostname)) {
    throw new RunError('INSECURE_URL', `${parsed.origin} is plain http:// to another machine: the token would travel unencrypted.`);
  }
}

function parseApiUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new RunError('CONFIG', `"${url}" is not a URL; give the API URL like https://api.example.com.`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new RunError('CONFIG', `The API URL must start with https:// (got ${parsed.protocol}//).`);
  }
  return parsed;
}

/**
 * Refuses a URL that holds the token, in any case or URL-encoded: the URL is printed, and written to
 * the journal and the results' Summary sheet. `source` names where the URL came from, for the message.
 */
export function refuseTokenInUrl(url: string, token: string, source: string): void {
  const secret = token.trim();
  if (secret.length < MIN_TOKEN_TO_FIND) return;
  if (holdsToken(url, secret) || holdsToken(decoded(url), secret)) {
    throw new RunError('TOKEN_IN_URL', `${source} holds the staff token; it was not used, since a URL is shown on screen and written to the results.`);
  }
}

/** Shorter than this, a "token" would be found in ordinary addresses (`api`, `v1`); real tokens are far longer. */
const MIN_TOKEN_TO_FIND = 8;

function decoded(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return url;
  }
}

let cachedPattern: { token: string; pattern: RegExp } | undefined;

/** The token as it is and URL-encoded (as a proxy echoes a request line), in any case. */
export function tokenPattern(token: string): RegExp {
  if (cachedPattern?.token !== token) {
    const forms = [...new Set([token, encodeURIComponent(token)])].map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    cachedPattern = { token, pattern: new RegExp(forms.join('|'), 'gi') };
  }
  return cachedPattern.pattern;
}

function holdsToken(text: string, token: string): boolean {
  return text.search(tokenPattern(token)) >= 0;
}

/** The text with every spelling of the token replaced by `[token]`. */
export function maskToken(text: string, token: string | undefined): string {
  const secret = token?.trim();
  return secret ? text.replace(tokenPattern(secret), '[token]') : text;
}

/** Whether the URL names this machine (where the sandbox runs). */
export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopback(new URL(url).hostname);
  } catch {
    return false;
  }
}

function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]') return true;
  // WHATWG URL has already turned 127.1 and 0x7f.1 into dotted decimal, and ::ffff:127.0.0.1 into hex.
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
  return /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(host);
}

/** The origin for the pool and any path prefix before `/platform/v1` (dropped if the URL already ends with it). */
export function baseOf(url: string): Base {
  const parsed = parseApiUrl(url);
  const prefix = parsed.pathname.replace(/\/+$/, '').replace(/\/platform\/v1$/, '');
  return { origin: parsed.origin, prefix, shown: parsed.origin + prefix };
}
