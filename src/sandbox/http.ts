// Reading requests and writing answers without ever crashing or hanging: bodies are bounded,
// aborted uploads and socket errors end the request quietly, and every answer has a length.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Answer } from './routes.js';
import { gatewayError } from './routes.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export type BodyReading =
  | { readonly kind: 'read'; readonly bytes: Buffer }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'aborted' };

/** Reads the whole body; past the limit it keeps draining (so the client reads the 413) but stores nothing. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<BodyReading> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    let tooLarge = declared > limit;
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? { kind: 'too-large' } : { kind: 'read', bytes: Buffer.concat(chunks, size) }));
    // 'close' before 'end' means the client went away mid-body; resolving twice is harmless.
    req.on('close', () => {
      if (!req.complete) resolve({ kind: 'aborted' });
    });
    req.on('error', () => resolve({ kind: 'aborted' }));
  });
}

export type JsonReading = { readonly kind: 'json'; readonly value: Record<string, unknown> } | { readonly kind: 'error'; readonly answer: Answer };

/** The create's body: JSON by content type, well-formed, and an object. */
export function readJsonObject(req: IncomingMessage, bytes: Buffer): JsonReading {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/json' && !/^application\/[\w.+-]*\+json$/.test(type)) {
    return {
      kind: 'error',
      answer: gatewayError(415, 'unsupported_media_type', `Content-Type must be application/json, got "${type || 'none'}"`),
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return { kind: 'error', answer: gatewayError(400, 'malformed_json', `The body is not valid JSON: ${(error as Error).message}`) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'error', answer: gatewayError(400, 'malformed_json', 'The body must be a JSON object') };
  }
  return { kind: 'json', value: value as Record<string, unknown> };
}

export function send(res: ServerResponse, answer: Answer): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...answer.headers,
  });
  res.end(text);
}
