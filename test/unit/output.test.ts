import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import { colorLevel, colorMaker, PLAIN } from '../../src/output/color.js';
import { renderFailure } from '../../src/output/errors.js';
import { prettyJson } from '../../src/output/json.js';
import { CheckFailedError, Code, UsageError } from '../../src/errors.js';
import { parseTokenResponse } from '../../src/oauth/token-response.js';
import { secretForms } from '../../src/scrub.js';

describe('colorLevel', () => {
  const tty = { isTTY: true, env: {}, colorFlag: true };
  it('colours a terminal and not a pipe', () => {
    expect(colorLevel(tty)).toBe(1);
    expect(colorLevel({ ...tty, isTTY: false })).toBe(0);
    expect(colorLevel({ ...tty, env: { TERM: 'dumb' } })).toBe(0);
    expect(colorLevel({ ...tty, env: { COLORTERM: 'truecolor' } })).toBe(3);
  });
  it('honours NO_COLOR and FORCE_COLOR, with --no-color above both', () => {
    expect(colorLevel({ ...tty, env: { NO_COLOR: '1' } })).toBe(0);
    expect(colorLevel({ ...tty, env: { NO_COLOR: '' } })).toBe(1);
    expect(colorLevel({ isTTY: false, env: { FORCE_COLOR: '1' }, colorFlag: true })).toBe(1);
    expect(colorLevel({ isTTY: false, env: { FORCE_COLOR: '' }, colorFlag: true })).toBe(1);
    expect(colorLevel({ isTTY: false, env: { FORCE_COLOR: '3' }, colorFlag: true })).toBe(3);
    expect(colorLevel({ ...tty, env: { FORCE_COLOR: '0' } })).toBe(0);
    expect(colorLevel({ ...tty, env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).toBe(1);
    expect(colorLevel({ ...tty, env: { FORCE_COLOR: '1' }, colorFlag: false })).toBe(0);
  });
});

describe('PLAIN', () => {
  it('is chalk at level 0 without loading chalk: any chain of styles, arguments joined by spaces', async () => {
    const chalk = new Chalk({ level: 0 });
    for (const [plain, real] of [
      [PLAIN.red('a'), chalk.red('a')],
      [PLAIN.bold.underline('a', 'b', 3), chalk.bold.underline('a', 'b', 3)],
      [PLAIN.dim(), chalk.dim()],
      [PLAIN.red.bold(42), chalk.red.bold(42)],
      [PLAIN('x', 'y'), chalk('x', 'y')],
    ]) {
      expect(plain).toBe(real);
    }
    expect(PLAIN.level).toBe(0);
    expect((await colorMaker([0, 0]))(0)).toBe(PLAIN);
  });
});

describe('renderFailure', () => {
  const color = PLAIN;
  it('prints message and hint for a CliError, with its exit code', () => {
    const failure = renderFailure(new UsageError(Code.INVALID_ARGUMENT, 'it is bad', { hint: 'do better' }), { json: false, verbose: false, color });
    expect(failure).toEqual({ exitCode: 2, text: 'error it is bad\nhint  do better\n' });
  });
  it('prints one JSON object with --json', () => {
    const failure = renderFailure(new CheckFailedError(Code.EXPECTATION_FAILED, 'nope'), { json: true, verbose: false, color });
    expect(JSON.parse(failure.text)).toEqual({ error: { code: 'EXPECTATION_FAILED', message: 'nope', exitCode: 7 } });
  });
  it('puts where the credential went in the JSON error only', () => {
    const error = new CheckFailedError(Code.EXPECTATION_FAILED, 'nope');
    const sentTo = 'the client secret of client svc to login.example.com';
    expect(JSON.parse(renderFailure(error, { json: true, verbose: false, color, sentTo }).text).error.sentTo).toBe(sentTo);
    expect(renderFailure(error, { json: false, verbose: false, color, sentTo }).text).not.toContain(sentTo);
  });
  it('calls an unexpected error a bug, with the stack only under --verbose', () => {
    const bug = new TypeError('x is undefined');
    const quiet = renderFailure(bug, { json: false, verbose: false, color });
    expect(quiet.exitCode).toBe(1);
    expect(quiet.text).toContain('this is a bug');
    expect(quiet.text).not.toContain('at ');
    expect(renderFailure(bug, { json: false, verbose: true, color }).text).toContain('TypeError: x is undefined\n    at ');
  });
  it('shows causes only under --verbose', () => {
    const error = new UsageError(Code.INVALID_ARGUMENT, 'outer', { cause: new Error('inner reason') });
    expect(renderFailure(error, { json: false, verbose: false, color }).text).not.toContain('inner reason');
    expect(renderFailure(error, { json: false, verbose: true, color }).text).toContain('cause: Error: inner reason');
  });
});

describe('an identity provider\'s refusal as data and as text', () => {
  const color = PLAIN;
  const secret = 'Sup3r~Secret.Value';
  const description = `AADSTS900382: Confidential Client is not supported in Cross Cloud request.\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2026-01-09 02:02:12Z`;
  const hostile = `invalid_request\u001b]0;pwned\u0007\u009b31m\u202e\nok forged line ${secret}`;
  function refusal(error: string, extra: Record<string, unknown> = {}): unknown {
    try {
      parseTokenResponse(
        {
          status: 400,
          headers: { 'content-type': 'application/json', 'x-ms-request-id': 'req-1' },
          body: JSON.stringify({ error, error_description: `${description} (${secret})`, error_codes: [900382], trace_id: '0000aaaa-11bb-cccc-dd22-eeeeee333333', ...extra }),
        },
        {
          provider: 'entra',
          authMethod: 'client_secret_post',
          clientId: 'client-1',
          tokenUrl: new URL('https://login.microsoftonline.com/t/oauth2/v2.0/token'),
          requestedAt: new Date(),
          secrets: secretForms(secret, 'client-1'),
        },
      );
    } catch (caught) {
      return caught;
    }
    throw new Error('expected a refusal');
  }

  it('--json carries the server\'s text as it was sent (real CR LF, not \\u000d), with the secret scrubbed', () => {
    const { text } = renderFailure(refusal('invalid_request'), { json: true, verbose: false, color });
    expect(text).not.toContain('\\\\u');
    const { error } = JSON.parse(text) as { error: Record<string, unknown> };
    expect(error.errorDescription).toBe(`${description} (<redacted>)`);
    expect(error).toMatchObject({ oauthError: 'invalid_request', traceId: '0000aaaa-11bb-cccc-dd22-eeeeee333333', correlationId: 'aaaa0000-bb11-2222-33cc-444444dddddd', timestamp: '2026-01-09 02:02:12Z', aadstsCodes: [900382] });
    expect(text).not.toContain(secret);
  });

  it('hostile fields: real characters in --json, a document with nothing a terminal obeys; shown, never obeyed, in text', () => {
    const error = refusal(hostile, { trace_id: `t\u001b[2J${secret}` });
    const json = renderFailure(error, { json: true, verbose: false, color }).text;
    // eslint-disable-next-line no-control-regex
    expect(json).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    const parsed = (JSON.parse(json) as { error: Record<string, unknown> }).error;
    expect(parsed.oauthError).toBe(hostile.replace(secret, '<redacted>'));
    expect(parsed.traceId).toBe('t\u001b[2J<redacted>');
    expect(json).not.toContain(secret);

    const text = renderFailure(error, { json: false, verbose: false, color }).text;
    expect(text).toContain('\\u001b]0;pwned');
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(text).not.toMatch(/^ok forged line/m);
    expect(text).not.toContain(secret);
  });
});

describe('prettyJson', () => {
  it('without colour equals JSON.stringify with two spaces', () => {
    const value = { a: [1, 'two', null, true, {}], b: { c: [] }, 'd"e': 'ü' };
    expect(prettyJson(value, PLAIN)).toBe(JSON.stringify(value, null, 2));
  });
  it('colours when asked', async () => {
    expect(prettyJson({ a: 'b' }, (await colorMaker([0, 1]))(1))).toContain('\u001b[');
  });
});
