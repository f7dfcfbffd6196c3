import { describe, expect, it } from 'vitest';
import { excerpt, redactForm, redactHeaders, redactText, redactTokenResponse } from '../../src/oauth/redact.js';
import { formatToken } from '../../src/output/token-output.js';

describe('redaction', () => {
  it('hides the client secret and the assertion signature, not the rest of the form', () => {
    expect(redactForm([['grant_type', 'client_credentials'], ['client_secret', 'abc'], ['client_assertion', 'h.p.signature']])).toEqual([
      ['grant_type', 'client_credentials'],
      ['client_secret', '<redacted>'],
      ['client_assertion', 'h.p.<redacted>'],
    ]);
  });
  it('hides credentials in headers', () => {
    expect(redactHeaders({ authorization: 'Basic YWJjOmRlZg==', accept: 'application/json' })).toEqual({ authorization: 'Basic <redacted>', accept: 'application/json' });
  });
  it('replaces tokens in a response with their length', () => {
    expect(redactTokenResponse({ access_token: 'abcdef', expires_in: 1 })).toEqual({ access_token: '<redacted> (6 characters)', expires_in: 1 });
  });
  it('scrubs known secrets, JWTs and long opaque strings from free text', () => {
    const text = redactText('secret=hunter22 token eyJhbGciOi.eyJzdWIiOi.c2ln key ' + 'A'.repeat(50), ['hunter22']);
    expect(text).toBe('secret=<redacted> token <redacted JWT> key <redacted>');
  });
  it('makes a one-line excerpt of an HTML page', () => {
    expect(excerpt('<html>\n<h1>Bad   Gateway</h1>\n</html>')).toBe('Bad Gateway');
    expect(excerpt('x'.repeat(10) + ' ' + 'y '.repeat(200)).length).toBeLessThanOrEqual(161);
  });
});

describe('token output formats', () => {
  const token = { accessToken: "ab'c", tokenType: 'Bearer', expiresIn: 60, expiresAt: new Date('2026-01-01T00:01:00Z'), scope: undefined, warnings: [] };
  it('raw is the token and a newline, nothing else', () => expect(formatToken(token, 'raw')).toBe("ab'c\n"));
  it('header and env', () => {
    expect(formatToken(token, 'header')).toBe("Authorization: Bearer ab'c\n");
    expect(formatToken(token, 'env')).toBe("export ACCESS_TOKEN='ab'\\''c'\n");
  });
  it('json has stable fields', () => {
    expect(JSON.parse(formatToken(token, 'json'))).toEqual({ access_token: "ab'c", token_type: 'Bearer', expires_in: 60, expires_at: '2026-01-01T00:01:00.000Z', scope: null });
  });
});
