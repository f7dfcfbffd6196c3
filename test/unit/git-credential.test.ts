import { describe, expect, it } from 'vitest';
import { decideCredential, formatCredential, parseCredentialRequest } from '../../src/integrations/git-credential.js';
import type { TokenResult } from '../../src/oauth/token-response.js';

const token: TokenResult = { accessToken: 'eyJ.a.b', tokenType: 'Bearer', expiresIn: 60, expiresAt: new Date('2026-05-01T10:00:00.900Z'), scope: undefined, warnings: [] };

describe("git's credential protocol", () => {
  it('reads key=value lines up to the blank line; values may hold =', () => {
    expect(parseCredentialRequest('protocol=https\nhost=dev.azure.com\npath=a/b?c=d\nwwwauth[]=Basic realm="x"\n\nignored=1\n')).toEqual({
      protocol: 'https',
      host: 'dev.azure.com',
      path: 'a/b?c=d',
      'wwwauth[]': 'Basic realm="x"',
    });
    expect(parseCredentialRequest('protocol=https\r\nhost=h\r\n')).toEqual({ protocol: 'https', host: 'h' });
    expect(parseCredentialRequest('garbage\n=x\nhost=h')).toEqual({ host: 'h' });
  });

  it('answers https hosts, and plain http only on a loopback address', () => {
    expect(decideCredential({ protocol: 'https', host: 'dev.azure.com' }, [])).toEqual({ answer: true });
    expect(decideCredential({ protocol: 'http', host: '127.0.0.1:8080' }, [])).toEqual({ answer: true });
    expect(decideCredential({ protocol: 'http', host: '[::1]:8080' }, [])).toEqual({ answer: true });
    expect(decideCredential({ protocol: 'http', host: 'dev.azure.com' }, [])).toMatchObject({ answer: false, reason: expect.stringContaining('only sent over https') });
    expect(decideCredential({ protocol: 'http', host: 'localhost.evil.example' }, [])).toMatchObject({ answer: false });
    expect(decideCredential({ protocol: 'http', host: '127.0.0.1.evil.example' }, [])).toMatchObject({ answer: false });
    expect(decideCredential({ protocol: 'ssh', host: 'dev.azure.com' }, [])).toMatchObject({ answer: false });
    expect(decideCredential({ protocol: 'https' }, [])).toMatchObject({ answer: false, reason: 'git sent no host' });
  });

  it('with --host, only those hosts: by name, or name:port exactly', () => {
    expect(decideCredential({ protocol: 'https', host: 'DEV.azure.com' }, ['dev.azure.com'])).toEqual({ answer: true });
    expect(decideCredential({ protocol: 'https', host: 'git.example:8443' }, ['git.example'])).toEqual({ answer: true });
    expect(decideCredential({ protocol: 'https', host: 'git.example:8443' }, ['git.example:8443'])).toEqual({ answer: true });
    expect(decideCredential({ protocol: 'https', host: 'git.example:9443' }, ['git.example:8443'])).toMatchObject({ answer: false });
    expect(decideCredential({ protocol: 'https', host: 'dev.azure.com.evil.example' }, ['dev.azure.com'])).toMatchObject({ answer: false });
  });

  it('answers with the username, the token as password and its expiry in Unix seconds', () => {
    expect(formatCredential(token, 'tokenctl')).toBe('username=tokenctl\npassword=eyJ.a.b\npassword_expiry_utc=1777629600\n');
    expect(formatCredential({ ...token, expiresAt: undefined }, 'u')).toBe('username=u\npassword=eyJ.a.b\n');
  });

  it('refuses values that would break the protocol', () => {
    expect(() => formatCredential({ ...token, accessToken: 'a\nusername=evil' }, 'u')).toThrow(expect.objectContaining({ code: 'ACCESS_TOKEN_INVALID', exitCode: 6 }));
    expect(() => formatCredential(token, 'u\0')).toThrow(expect.objectContaining({ code: 'GIT_USERNAME_INVALID', exitCode: 2 }));
    expect(() => formatCredential(token, 'u\nx')).toThrow(expect.objectContaining({ code: 'GIT_USERNAME_INVALID' }));
  });
});
