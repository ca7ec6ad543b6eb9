// Server text shown on a row or in an error never carries the token, however a proxy echoed it.
import { describe, expect, it } from 'vitest';
import { cleanServerText, toReply } from '../../src/execute/api-reply.js';
import { checkApiUrl, maskToken } from '../../src/execute/api-url.js';
import { RunError } from '../../src/errors.js';

const TOKEN = 'Stf_9fK2/x+Qa=b7Lm';

describe('cleanServerText', () => {
  it('masks the token as sent, URL-encoded, and in another case', () => {
    const encoded = encodeURIComponent(TOKEN);
    expect(encoded).not.toBe(TOKEN);
    const shown = cleanServerText(`bad token ${TOKEN}; GET /x?t=${encoded}; ${TOKEN.toUpperCase()}; ${encoded.toLowerCase()}`, TOKEN);
    expect(shown).toBe('bad token [token]; GET /x?t=[token]; [token]; [token]');
  });

  it('leaves no first characters of a token that the cut to 200 characters would split', () => {
    for (const at of [180, 190, 195, 199]) {
      const text = `${'x'.repeat(at)}${TOKEN}${'y'.repeat(50)}`;
      const shown = cleanServerText(text, TOKEN);
      expect(shown.length).toBeLessThanOrEqual(201);
      expect(shown.endsWith('…')).toBe(true);
      expect(shown).not.toContain(TOKEN.slice(0, 4));
    }
  });

  it('still masks when the text is made of nothing but the token, encoded', () => {
    const shown = cleanServerText(encodeURIComponent(TOKEN).repeat(40), TOKEN);
    expect(shown).toMatch(/^(\[token\])+…$/);
  });

  it('shows a short text without the token as it is', () => {
    expect(cleanServerText('package not found', TOKEN)).toBe('package not found');
    expect(cleanServerText('package not found', '')).toBe('package not found');
  });

  it('is what a row reads when a proxy echoes the request line', () => {
    const reply = toReply(
      { kind: 'answer', status: 403, headers: {}, text: JSON.stringify({ error: `denied GET /platform/v1/clients?access_token=${encodeURIComponent(TOKEN)}` }) } as never,
      0,
      TOKEN,
    );
    expect(reply.message).toBe('denied GET /platform/v1/clients?access_token=[token]');
  });
});

describe('a URL that holds the token', () => {
  const refused = (url: string): unknown => {
    try {
      checkApiUrl(url, false, TOKEN);
    } catch (error) {
      return error;
    }
    return undefined;
  };

  const HOST_TOKEN = 'Stf9fK2xQab7Lm';
  it.each([
    ['the whole URL', TOKEN, TOKEN],
    ['the query', `https://api.example.test/?token=${TOKEN}`, TOKEN],
    ['the path, encoded', `https://api.example.test/${encodeURIComponent(TOKEN)}`, TOKEN],
    ['the path, in another case', `https://api.example.test/${TOKEN.toUpperCase()}`, TOKEN],
    ['the host', `https://${HOST_TOKEN}.example.test`, HOST_TOKEN],
  ])('is refused when %s holds it, with a message that does not', (_, url, token) => {
    let error: unknown;
    try {
      checkApiUrl(url, false, token);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).code).toBe('TOKEN_IN_URL');
    expect((error as RunError).message).not.toMatch(new RegExp(token.slice(0, 6), 'i'));
    expect((error as RunError).advice).toContain('PLATFORM_STAFF_TOKEN');
  });

  it('a query without the token is refused without quoting it', () => {
    const error = refused('https://api.example.test/v1?key=abc123secret') as RunError;
    expect(error.code).toBe('CONFIG');
    expect(error.message).not.toContain('abc123secret');
    expect(error.message).toContain('https://api.example.test/v1');
  });

  it('an ordinary URL passes, and a token too short to look for is not looked for', () => {
    expect(refused('https://api.example.test/platform/v1')).toBeUndefined();
    expect(() => checkApiUrl('https://api.example.test', false, 'api')).not.toThrow();
  });

  it('maskToken hides every spelling, and leaves text alone without a token', () => {
    expect(maskToken(`a ${TOKEN.toLowerCase()} b`, TOKEN)).toBe('a [token] b');
    expect(maskToken('a b', undefined)).toBe('a b');
  });
});
