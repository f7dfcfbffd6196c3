import { describe, expect, it } from 'vitest';
import { isLoopbackHost, parseEndpointUrl, parseProxyUrl } from '../../src/http/url-policy.js';

describe('isLoopbackHost', () => {
  it.each(['localhost', 'LOCALHOST', 'api.localhost', '127.0.0.1', '127.8.9.10', '[::1]', '::1'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });
  it.each(['example.com', '10.0.0.1', '128.0.0.1', 'localhost.example.com', '[::2]', '0.0.0.0'])('%s is not', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('parseEndpointUrl', () => {
  it('accepts https anywhere and http on loopback', () => {
    expect(parseEndpointUrl('https://login.example.com/token', 'x').host).toBe('login.example.com');
    expect(parseEndpointUrl('http://127.0.0.1:8080/token', 'x').port).toBe('8080');
    expect(parseEndpointUrl('http://[::1]:9/t', 'x').hostname).toBe('[::1]');
  });
  it.each([
    ['not a url', 'INVALID_URL'],
    ['/relative/path', 'INVALID_URL'],
    ['http://auth.example.com/token', 'INSECURE_URL'],
    ['ftp://example.com/x', 'UNSUPPORTED_URL_SCHEME'],
    ['https://user:pw@example.com/token', 'URL_WITH_CREDENTIALS'],
  ])('%s → %s (exit 2)', (value, code) => {
    expect(() => parseEndpointUrl(value, '--token-url')).toThrowError(expect.objectContaining({ code, exitCode: 2 }));
  });
  it('suggests the https form of an http URL', () => {
    expect(() => parseEndpointUrl('http://auth.example.com/as/token.oauth2', '--token-url')).toThrowError(
      expect.objectContaining({ hint: expect.stringContaining('https://auth.example.com/as/token.oauth2') }),
    );
  });
});

describe('parseProxyUrl', () => {
  it('accepts a plain-http corporate proxy (TLS to the server is tunnelled end to end), without credentials', () => {
    expect(parseProxyUrl('http://proxy.corp.example:3128').host).toBe('proxy.corp.example:3128');
    expect(() => parseProxyUrl('https://user:pw@proxy.example.com')).toThrowError(expect.objectContaining({ code: 'PROXY_CREDENTIALS_ON_COMMAND_LINE', hint: expect.stringContaining('HTTPS_PROXY') }));
  });
  it('refuses other schemes and garbage', () => {
    expect(() => parseProxyUrl('socks5://proxy:1080')).toThrowError(expect.objectContaining({ code: 'UNSUPPORTED_URL_SCHEME', exitCode: 2 }));
    expect(() => parseProxyUrl('proxy:3128x')).toThrowError(expect.objectContaining({ exitCode: 2 }));
  });
});
