import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { loopbackOnlyLookup } from '../../src/http/transport.js';
import { isLoopbackAddress } from '../../src/http/url-policy.js';

function lookupWith(addresses: LookupAddress[]) {
  const asked: string[] = [];
  const lookup = loopbackOnlyLookup((hostname, _options, callback) => {
    asked.push(hostname);
    callback(null, addresses);
  });
  const run = (hostname: string) =>
    new Promise<{ error: unknown; address: unknown }>((resolve) => lookup(hostname, {}, (error, address) => resolve({ error, address })));
  return { asked, run };
}

describe('the lookup behind plain http', () => {
  it('connects a name only to the loopback addresses it resolves to', async () => {
    const { run } = lookupWith([{ address: '127.0.0.1', family: 4 }]);
    expect(await run('localhost')).toEqual({ error: null, address: '127.0.0.1' });
  });

  it('refuses a name that resolves to anything else (exit 2), even next to a loopback address', async () => {
    const { run } = lookupWith([{ address: '127.0.0.1', family: 4 }, { address: '203.0.113.7', family: 4 }]);
    const { error } = await run('localhost');
    expect(error).toMatchObject({ code: 'INSECURE_URL', exitCode: 2, message: expect.stringContaining('203.0.113.7') });
  });

  it('never asks DNS about a name under .localhost: it is localhost (RFC 6761)', async () => {
    const { asked, run } = lookupWith([{ address: '::1', family: 6 }]);
    await run('attacker-chosen.localhost');
    expect(asked).toEqual(['localhost']);
  });
});

describe('isLoopbackAddress', () => {
  it.each(['127.0.0.1', '127.255.0.9', '::1', '[::1]', '::ffff:127.0.0.1'])('%s is loopback', (address) => expect(isLoopbackAddress(address)).toBe(true));
  it.each(['10.0.0.1', '::ffff:10.0.0.1', 'localhost', '0.0.0.0', '::'])('%s is not', (address) => expect(isLoopbackAddress(address)).toBe(false));
});
