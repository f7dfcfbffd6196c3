import fc from 'fast-check';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { pkcs12Kdf } from '../../src/oauth/certificate-pkcs12.js';

// tokenctl derives PKCS#12 keys with Node's hashes; forge's pure-JavaScript derivation is the reference.
describe('pkcs12Kdf', () => {
  it('gives what forge gives, for any password, salt, purpose, count, size and digest', () => {
    fc.assert(
      fc.property(
        fc.option(fc.string({ unit: 'binary', maxLength: 40 }), { nil: null }),
        fc.uint8Array({ maxLength: 70 }),
        fc.constantFrom(1, 2, 3),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 100 }),
        fc.constantFrom('sha1', 'sha256', 'sha512'),
        (password, salt, id, iterations, size, digest) => {
          const md = (forge.md as unknown as Record<string, { create(): forge.md.MessageDigest }>)[digest]!.create();
          const expected = forge.pkcs12.generateKey(password as string, forge.util.createBuffer(Buffer.from(salt).toString('binary')), id, iterations, size, md);
          expect(pkcs12Kdf(password, Buffer.from(salt), id, iterations, size, digest).toString('hex')).toBe(forge.util.bytesToHex(expected.getBytes()));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses fewer than one iteration, as forge does', () => {
    expect(() => pkcs12Kdf('p', Buffer.from('salt'), 3, 0, 20)).toThrow('iteration count');
  });
});
