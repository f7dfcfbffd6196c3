import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCommand, type DecodeOptions } from '../../src/commands/decode.js';
import { CliError } from '../../src/errors.js';
import { fakeIo } from '../support/fake-io.js';
import { rawToken } from '../support/tokens.js';

const options = (token: string, json: boolean): DecodeOptions => ({
  token,
  file: undefined,
  expectRoles: [],
  expectScopes: [],
  json,
  verbose: false,
  color: false,
  claim: undefined,
  requireValid: false,
  leewaySeconds: 0,
  verify: false,
  jwks: undefined,
  keyFile: undefined,
  expectAudience: undefined,
  expectIssuer: undefined,
  caFile: undefined,
  profile: undefined,
});

/** decode either succeeds with output, or fails with a usage error (exit 2) and prints nothing. */
async function decodeOutcome(token: string, json = false): Promise<void> {
  const io = fakeIo();
  try {
    await decodeCommand(options(token, json), io);
    expect(io.out.join('').length).toBeGreaterThan(0);
    if (json) expect(JSON.parse(io.out.join(''))).toHaveProperty('payload');
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    expect(error.exitCode).toBe(2);
    expect(error.message.length).toBeGreaterThan(0);
    expect(io.out).toEqual([]);
  }
}

const jsonObject = fc.dictionary(fc.string(), fc.jsonValue());
const validToken = fc.tuple(jsonObject, jsonObject, fc.base64String()).map(([h, p, s]) => rawToken(h, p, Buffer.from(s, 'base64').toString('base64url')));

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), char: fc.constantFrom('.', '=', '+', '/', ' ', '\n', '"', '\u0000', 'é', 'A', '-', '_', '{') }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(token: string, steps: Array<{ kind: 'delete' | 'insert' | 'truncate'; at: number; char?: string }>): string {
  let text = token;
  for (const step of steps) {
    const at = text.length === 0 ? 0 : step.at % (text.length + 1);
    if (step.kind === 'delete') text = text.slice(0, at) + text.slice(at + 1);
    else if (step.kind === 'insert') text = text.slice(0, at) + (step.char ?? '') + text.slice(at);
    else text = text.slice(0, at);
  }
  return text;
}

describe('decode never crashes', () => {
  it('on arbitrary strings (3000 cases)', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), (input) => decodeOutcome(input)), { numRuns: 3000 });
  });

  it('on dotted base64url-ish strings (3000 cases)', async () => {
    const segment = fc.string({ unit: fc.constantFrom(...'ABCxyz019-_+/=. '.split('')), maxLength: 40 });
    await fc.assert(fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 6 }), (parts) => decodeOutcome(parts.join('.'))), { numRuns: 3000 });
  });

  it('on valid tokens with random claims, in both output modes (1000 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(validToken, fc.boolean(), async (token, json) => {
        const io = fakeIo();
        await decodeCommand(options(token, json), io);
        if (json) expect(Object.keys(JSON.parse(io.out.join('')))).toEqual(expect.arrayContaining(['header', 'payload']));
      }),
      { numRuns: 1000 },
    );
  });

  it('on mutated valid tokens (3000 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(validToken, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (token, steps, json) => decodeOutcome(mutate(token, steps), json)),
      { numRuns: 3000 },
    );
  });
});
