import { describe, expect, it } from 'vitest';
import { excerpt, redactForm, redactHeaders, redactText, redactTokenResponse } from '../../src/oauth/redact.js';
import { formatToken } from '../../src/output/token-output.js';
import { createScrubber, secretForms } from '../../src/scrub.js';
import { escapeControl, escapeControlKeepLines, guardTerminalText } from '../../src/escape.js';
import { basicAuthorization } from '../../src/oauth/client-auth.js';

describe('the scrubber', () => {
  const secret = 'p@ss w+rd/="é%';
  const scrubber = createScrubber();
  scrubber.add(secret, 'my client');
  it.each([
    ['raw', secret],
    ['form-encoded', new URLSearchParams({ s: secret }).toString().slice(2)],
    ['percent-encoded', encodeURIComponent(secret)],
    ['percent-encoded, lower-case hex', encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())],
    ['JSON-escaped', JSON.stringify(secret).slice(1, -1)],
    ['base64 of id:secret (HTTP Basic)', basicAuthorization('my client', secret).slice(6)],
    ['base64 of the raw id:secret', Buffer.from(`my client:${secret}`).toString('base64')],
  ])('removes the %s form', (_name, form) => {
    expect(scrubber.scrub(`before ${form} after`)).toBe('before <redacted> after');
  });
  it('removes the credentials of a Basic header value', () => {
    expect(scrubber.scrub(`authorization: ${basicAuthorization('my client', secret)}`)).toBe('authorization: Basic <redacted>');
  });
  it('leaves text without secrets alone', () => {
    expect(scrubber.scrub('https://graph.microsoft.com/.default')).toBe('https://graph.microsoft.com/.default');
  });
});

describe('control characters', () => {
  const attack = '\u001b]0;title\u0007\u009b2J\u202e\nnext';
  it('escapes ESC, BEL, C1, bidi controls and newlines in a single-line value', () => {
    expect(escapeControl(attack)).toBe('\\u001b]0;title\\u0007\\u009b2J\\u202e\\u000anext');
  });
  it('keeps newlines and tabs in multi-line text', () => {
    expect(escapeControlKeepLines('a\tb\nc\u001b')).toBe('a\tb\nc\\u001b');
  });
  it('lets only our colours and spinner through the output guard', () => {
    expect(guardTerminalText('\u001b[31mred\u001b[39m \u001b]0;x\u0007', { sgr: true, cursor: false })).toBe('\u001b[31mred\u001b[39m \\u001b]0;x\\u0007');
    expect(guardTerminalText('\u001b[31mred\u001b[39m', { sgr: false, cursor: false })).toBe('\\u001b[31mred\\u001b[39m');
    expect(guardTerminalText('\r\u001b[K', { sgr: false, cursor: true })).toBe('\r\u001b[K');
    expect(guardTerminalText('\r', { sgr: false, cursor: false })).toBe('\\u000d');
  });
  it('keeps JSON valid: a C1 character becomes a JSON escape', () => {
    expect(JSON.parse(guardTerminalText(JSON.stringify({ v: 'a\u009bb' }), { sgr: false, cursor: false }))).toEqual({ v: 'a\u009bb' });
  });
});

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
  it('scrubs known secrets by value, and leaves what support needs', () => {
    const support = "https://graph.microsoft.com/ api://cdc128ef-09ca-46ca-a349-57c0c248cad7 thumbprint 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678' " + 'A'.repeat(50);
    expect(redactText(`secret=hunter22 ${support}`, secretForms('hunter22'))).toBe(`secret=<redacted> ${support}`);
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

describe('the scrubber and the token it hands out', () => {
  it('finds the longest secret that occurs in a text, in any form', () => {
    const scrubber = createScrubber();
    scrubber.add('eyJh');
    scrubber.add('long-secret-value', 'cid');
    expect(scrubber.find('eyJhbGci')).toBe(4);
    expect(scrubber.find(`a.${Buffer.from('long-secret-value').toString('base64url')}.eyJh`)).toBe(17);
    expect(scrubber.find('nothing here')).toBeUndefined();
  });

  it('leaves a kept value whole and scrubs the text around it', () => {
    const scrubber = createScrubber();
    scrubber.add('eyJh');
    scrubber.keep('eyJhbGciOiJub25lIn0.e30.');
    expect(scrubber.scrub('Bearer eyJhbGciOiJub25lIn0.e30. and eyJh')).toBe('Bearer eyJhbGciOiJub25lIn0.e30. and <redacted>');
  });
});

describe('secrets as header values and hex', () => {
  it('scrubs a non-ASCII secret echoed in a header (its UTF-8 bytes read as Latin-1) and its hex form', () => {
    const secret = 'pässwörd-Ω';
    const scrubber = createScrubber();
    scrubber.add(secret);
    const latin1 = Buffer.from(secret, 'utf8').toString('latin1');
    expect(latin1).toBe('pÃ¤sswÃ¶rd-Î©');
    expect(scrubber.scrub(`x-request-id: ${latin1}`)).toBe('x-request-id: <redacted>');
    const hex = Buffer.from(secret, 'utf8').toString('hex');
    expect(scrubber.scrub(`${hex} ${hex.toUpperCase()}`)).toBe('<redacted> <redacted>');
  });
});
