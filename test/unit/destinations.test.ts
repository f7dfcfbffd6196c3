import { describe, expect, it } from 'vitest';
import { checkRoute, effectiveProxy, isHostAllowed, parseAllowedHosts } from '../../src/http/destinations.js';
import { isCompactJws } from '../../src/oauth/client-auth.js';

describe('TOKENCTL_ALLOWED_HOSTS', () => {
  const allowed = parseAllowedHosts(' login.microsoftonline.com , *.okta.com,127.0.0.1,[::1]') as string[];
  it.each([
    ['login.microsoftonline.com', true],
    ['LOGIN.microsoftonline.com.', true],
    ['acme.okta.com', true],
    ['a.b.okta.com', true],
    ['okta.com', false],
    ['evilokta.com', false],
    ['login.microsoftonline.com.evil.example', false],
    ['127.0.0.1', true],
    ['[::1]', true],
    ['127.0.0.2', false],
  ])('%s allowed: %s', (host, expected) => expect(isHostAllowed(host, allowed)).toBe(expected));
  it('unset or empty means no restriction; anything but host names is exit 2', () => {
    expect(parseAllowedHosts(undefined)).toBeUndefined();
    expect(parseAllowedHosts('  ')).toBeUndefined();
    for (const bad of ['https://login.example.com', 'login.example.com:443', 'login.example.com/path', '*', 'a b', ',']) {
      expect(() => parseAllowedHosts(bad), bad).toThrowError(expect.objectContaining({ code: 'ALLOWED_HOSTS_INVALID', exitCode: 2 }));
    }
  });
  it('checks the destination and the proxy on the way to it', () => {
    const url = new URL('https://login.example.com/token');
    expect(() => checkRoute(url, 'token endpoint', undefined, { TOKENCTL_ALLOWED_HOSTS: 'login.example.com' })).not.toThrow();
    expect(() => checkRoute(url, 'token endpoint', new URL('http://proxy.example:3128'), { TOKENCTL_ALLOWED_HOSTS: 'login.example.com' })).toThrowError(
      expect.objectContaining({ code: 'HOST_NOT_ALLOWED', exitCode: 2 }),
    );
    expect(() => checkRoute(url, 'token endpoint', undefined, { TOKENCTL_ALLOWED_HOSTS: 'login.example.com', HTTPS_PROXY: 'http://proxy.example:3128', NO_PROXY: '.example.com' })).not.toThrow();
  });
});

describe('effectiveProxy', () => {
  const url = new URL('https://login.example.com/token');
  it('takes --proxy, then the environment in undici order, honouring NO_PROXY; never for plain http', () => {
    expect(effectiveProxy(url, new URL('http://flag:1'), { HTTPS_PROXY: 'http://env:1' })?.host).toBe('flag:1');
    expect(effectiveProxy(url, undefined, { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:1' })?.host).toBe('lower:1');
    expect(effectiveProxy(url, undefined, { HTTP_PROXY: 'http://plain:1' })?.host).toBe('plain:1');
    expect(effectiveProxy(url, undefined, { HTTPS_PROXY: 'http://env:1', NO_PROXY: 'login.example.com' })).toBeUndefined();
    expect(effectiveProxy(url, undefined, { HTTPS_PROXY: 'http://env:1', NO_PROXY: '*' })).toBeUndefined();
    expect(effectiveProxy(url, undefined, { HTTPS_PROXY: 'http://env:1', NO_PROXY: 'example.com:8443' })?.host).toBe('env:1');
    expect(effectiveProxy(new URL('http://127.0.0.1:8080/t'), new URL('http://flag:1'), {})).toBeUndefined();
  });
});

describe('a federated token file must hold a compact JWS', () => {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  it.each([
    [`${part({ alg: 'RS256' })}.${part({ sub: 'x' })}.c2ln`, true],
    [`${part({ alg: 'none' })}.${part({ sub: 'x' })}.`, false],
    ['PATH=/usr/bin\u0000HOME=/root', false],
    ['a.b.c', false],
    [`${part({ typ: 'JWT' })}.${part({})}.c2ln`, false],
  ])('%s → %s', (text, expected) => expect(isCompactJws(text)).toBe(expected));
});
