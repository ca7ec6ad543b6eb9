// The two base URLs: what is refused before anything is sent (plain http:// to another machine,
// credentials or a query in the URL), and how a URL splits into the pool's origin and a path prefix.
import { RunError } from '../errors.js';

/** Where one of the two base URLs points: the origin for the pool, a path prefix, and what to show a person. */
export interface Base {
  readonly origin: string;
  readonly prefix: string;
  readonly shown: string;
}

/**
 * Refuse plain http:// for a host other than loopback (127.0.0.0/8, ::1, localhost) unless
 * allowInsecure: RunError INSECURE_URL. Also reject non-http(s) URLs (RunError CONFIG).
 */
export function checkApiUrl(url: string, allowInsecure: boolean): void {
  const parsed = parseApiUrl(url);
  if (parsed.username || parsed.password) {
    throw new RunError('CONFIG', 'The API URL must not contain a user name or password; the token goes in PLATFORM_STAFF_TOKEN.');
  }
  if (parsed.search || parsed.hash) {
    throw new RunError('CONFIG', `The API URL must not contain a query or fragment (got ${parsed.origin}${parsed.pathname}${parsed.search}${parsed.hash}).`);
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
