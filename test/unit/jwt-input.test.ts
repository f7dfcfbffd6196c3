import { describe, expect, it } from 'vitest';
import { cleanTokenInput } from '../../src/jwt/input.js';
import { UsageError } from '../../src/errors.js';

const T = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.';

describe('cleanTokenInput', () => {
  it.each([
    ['bare', T],
    ['double quotes', `"${T}"`],
    ['single quotes', `'${T}'`],
    ['typographic quotes', `\u201c${T}\u201d`],
    ['Bearer prefix', `Bearer ${T}`],
    ['bearer prefix in any case', `bEaReR   ${T}`],
    ['a whole Authorization header', `Authorization: Bearer ${T}`],
    ['a quoted header value', `authorization: "Bearer ${T}"`],
    ['surrounding blank lines', `\n\n  ${T}  \n`],
    ['line-wrapped with indentation', `${T.slice(0, 10)}\n  ${T.slice(10, 25)}\r\n\t${T.slice(25)}`],
    ['a pasted token response', JSON.stringify({ token_type: 'Bearer', expires_in: 3599, access_token: T })],
  ])('removes %s', (_name, input) => {
    expect(cleanTokenInput(input)).toBe(T);
  });

  it('rejects empty input with its own code', () => {
    for (const input of ['', '   \n', '""', 'Bearer ']) {
      expect(() => cleanTokenInput(input)).toThrowError(expect.objectContaining({ code: 'EMPTY_TOKEN', exitCode: 2 }));
    }
  });

  it('rejects more than 1 MiB', () => {
    const error = (() => {
      try {
        cleanTokenInput('a'.repeat(1024 * 1024 + 1));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ code: 'INPUT_TOO_LARGE' });
  });

  it('accepts exactly 1 MiB (the limit is inclusive)', () => {
    expect(cleanTokenInput('a'.repeat(1024 * 1024))).toHaveLength(1024 * 1024);
  });
});
