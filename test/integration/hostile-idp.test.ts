import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretForms } from '../../src/scrub.js';
import { runCli } from '../support/cli.js';
import { HOSTILE_MODES, startHostileIdp, type HostileIdp } from '../support/hostile-idp.js';

// Characters that every encoding treats differently: form (+), percent (%2B), JSON (\") and base64.
const CANARY = 'Canary+s3cr3t/="% é:x';
const CLIENT_ID = 'hostile-client';
// ESC, BEL, C1 and bidi controls: none may reach a terminal or a log as itself.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

let idp: HostileIdp;
beforeAll(async () => {
  idp = await startHostileIdp();
});
afterAll(() => idp.close());

function expectClean(output: string): void {
  for (const form of secretForms(CANARY, CLIENT_ID)) expect(output, `leaked ${form}`).not.toContain(form);
  for (const echoed of idp.received) expect(output).not.toContain(echoed);
  expect(output).not.toMatch(CONTROL);
}

describe('an identity provider that echoes the secret and sends terminal escapes', () => {
  // Each mode once, the output modes and client authentications in turn; the canary sweep runs the rest.
  for (const [index, mode] of HOSTILE_MODES.entries()) {
    const flags = [[], ['--verbose'], ['--json']][index % 3] as string[];
    const authMethod = index % 2 === 0 ? 'client_secret_basic' : 'client_secret_post';
    it(`${mode}, ${authMethod} ${flags.join(' ')}`, async () => {
      idp.mode = mode;
      const result = await runCli(['token', '--token-url', idp.tokenUrl, '--client-id', CLIENT_ID, '--auth-method', authMethod, '--timeout', '1', ...flags], {
        env: { TOKENCTL_CLIENT_SECRET: CANARY, TOKENCTL_CONFIG_DIR: '/nonexistent-tokenctl' },
      });
      expectClean(result.stdout + result.stderr);
      if (mode === 'ok-echo') expect(result.code).toBe(0);
      else expect(result.code).toBe(mode === 'oauth-error' ? 5 : 6);
      if (flags.includes('--json') && mode !== 'ok-echo') expect(() => JSON.parse(result.stderr)).not.toThrow();
    });
  }

  it('keeps what support needs: resource URLs, App ID URIs and thumbprints survive the scrubber', async () => {
    idp.mode = 'oauth-error';
    const result = await runCli(['token', '--token-url', idp.tokenUrl, '--client-id', CLIENT_ID], { env: { TOKENCTL_CLIENT_SECRET: CANARY } });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('https://graph.microsoft.com/');
    expect(result.stderr).toContain('api://cdc128ef-09ca-46ca-a349-57c0c248cad7');
    expect(result.stderr).toContain("'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678'");
    // The escape sequences are shown, not obeyed.
    expect(result.stderr).toContain('\\u001b]0;pwned');
  });

  it('refuses an access_token with a newline or an escape (exit 6) and prints nothing', async () => {
    idp.mode = 'bad-token';
    for (const output of ['raw', 'header']) {
      const result = await runCli(['token', '--token-url', idp.tokenUrl, '--client-id', CLIENT_ID, '-o', output], { env: { TOKENCTL_CLIENT_SECRET: CANARY } });
      expect(result.code).toBe(6);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/ACCESS_TOKEN_MALFORMED|not a well-formed bearer token/);
    }
  });
});
