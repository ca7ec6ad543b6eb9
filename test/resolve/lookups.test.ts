import { describe, expect, it } from 'vitest';
import type { Client, ClientPackage } from '../../src/execute/api-types.js';
import { Lookups } from '../../src/resolve/lookups.js';

function recordingSource(clients: readonly Client[]) {
  const searched: string[] = [];
  const source = {
    searchClientsByEmail(email: string): Promise<Client[]> {
      searched.push(email);
      return Promise.resolve(clients.filter((c) => c.email.normalize('NFC').toLowerCase() === email.normalize('NFC').toLowerCase()));
    },
    listClientPackages(): Promise<ClientPackage[]> {
      return Promise.resolve([]);
    },
  };
  return { source, searched };
}

describe('Lookups', () => {
  it('asks once for an email however it is cased, spaced or its accents spelled', async () => {
    const { source, searched } = recordingSource([{ id: 'cl_jose', email: 'jose\u0301@example.com' }]);
    const lookups = new Lookups(source);
    const answers = await Promise.all(['jos\u00e9@example.com', ' JOSE\u0301@Example.com ', 'Jos\u00c9@EXAMPLE.COM'].map((e) => lookups.clientsByEmail(e)));
    expect(answers.map((found) => found.map((c) => c.id))).toEqual([['cl_jose'], ['cl_jose'], ['cl_jose']]);
    expect(searched).toEqual(['jos\u00e9@example.com']);
  });
});
