import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { takeEnvironment } from '../../src/environment.js';
import { DbusError, decodeMessage, encodeCall, marshalBody, splitSignature, unixSocketOf, unmarshalBody } from '../../src/secrets/dbus.js';
import { keychainTimeoutMs, serviceProblemError } from '../../src/secrets/keychain.js';
import { problemOf, sessionBusAddress } from '../../src/secrets/secret-service.js';

describe('D-Bus wire format', () => {
  it('splits a signature into complete types', () => {
    expect(splitSignature('a{ss}ob')).toEqual(['a{ss}', 'o', 'b']);
    expect(splitSignature('(oayays)a(yv)v')).toEqual(['(oayays)', 'a(yv)', 'v']);
    expect(() => splitSignature('a{ss')).toThrow(/unbalanced/);
    expect(() => splitSignature('z')).toThrow(/unsupported/);
  });

  it('writes what the specification says, padding included', () => {
    // "s" then "u": the uint32 after a 2-byte string is aligned to 4.
    expect(marshalBody('su', ['ab', 7]).toString('hex')).toBe('0200000061620000' + '07000000');
    // An array of dict entries: length, padding to 8, then the entries.
    expect(marshalBody('a{ss}', [[['k', 'v']]]).toString('hex')).toBe('0e000000' + '00000000' + '010000006b000000' + '0100000076' + '00');
  });

  it.each([
    ['s', ['grüße ✓']],
    ['a{ss}', [[['service', 'tokenctl'], ['account', 'erp:client-secret:1']]]],
    ['aoao', [['/a', '/b/c'], []]],
    ['bub', [true, 4294967295, false]],
    ['v', [{ signature: 'ao', value: ['/x'] }]],
    ['(oayays)', [['/s', [1, 2], [], 'text/plain']]],
    ['yvg', [3, { signature: 'b', value: true }, 'a{sv}']],
  ])('reads back what it writes: %s', (signature, body) => {
    expect(unmarshalBody(signature, marshalBody(signature, body))).toEqual(body);
  });

  it('encodes a method call the bus can route, and decodes it again', () => {
    const bytes = encodeCall({ destination: 'org.freedesktop.secrets', path: '/org/freedesktop/secrets', interface: 'org.freedesktop.Secret.Service', member: 'SearchItems', signature: 'a{ss}', body: [[['a', 'b']]] }, 9);
    expect(bytes[0]).toBe('l'.charCodeAt(0));
    const message = decodeMessage(bytes);
    expect(message).toMatchObject({ type: 1, serial: 9, path: '/org/freedesktop/secrets', member: 'SearchItems', signature: 'a{ss}', body: [[['a', 'b']]] });
  });

  it('refuses truncated input instead of reading past it', () => {
    const bytes = marshalBody('s', ['hello']);
    expect(() => unmarshalBody('s', bytes.subarray(0, 6))).toThrow(/truncated/);
  });

  it('finds the unix socket of an address, or none', () => {
    expect(unixSocketOf('unix:path=/run/user/1000/bus')).toEqual({ path: '/run/user/1000/bus' });
    expect(unixSocketOf('unix:abstract=/tmp/dbus-XYZ,guid=0123')).toEqual({ path: '\0/tmp/dbus-XYZ' });
    expect(unixSocketOf('tcp:host=localhost,port=1;unix:path=/tmp/a%20b')).toEqual({ path: '/tmp/a b' });
    expect(unixSocketOf('autolaunch:')).toBeUndefined();
  });
});

describe('the Secret Service as tokenctl sees it', () => {
  it('uses the session bus GLib would, but never autolaunches one', () => {
    expect(sessionBusAddress({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x' }, () => false)).toBe('unix:path=/x');
    expect(sessionBusAddress({ XDG_RUNTIME_DIR: '/run/user/7' }, (p) => p === '/run/user/7/bus')).toBe('unix:path=/run/user/7/bus');
    expect(sessionBusAddress({ XDG_RUNTIME_DIR: '/run/user/7', DISPLAY: ':0' }, () => false)).toBeUndefined();
  });

  it.each([
    ['org.freedesktop.DBus.Error.ServiceUnknown', 'no-service'],
    ['org.freedesktop.DBus.Error.AccessDenied', 'access-denied'],
    ['org.freedesktop.Secret.Error.IsLocked', 'locked'],
    ['org.freedesktop.DBus.Error.Disconnected', 'no-bus'],
    ['org.freedesktop.DBus.Error.UnknownMethod', 'failed'],
  ])('a %s reply means %s', (name, kind) => {
    expect(problemOf(new DbusError(name, 'x')).kind).toBe(kind);
  });

  it('gives each state its own code and a fix that ends with the way around the keychain', () => {
    const alternative = 'or run this command again with `--store file`';
    const codes = (['no-bus', 'no-service', 'locked', 'access-denied', 'failed'] as const).map((kind) => {
      const error = serviceProblemError({ kind, detail: 'd' }, alternative);
      expect(error.exitCode).toBe(4);
      expect(error.hint?.endsWith(`${alternative}.`)).toBe(true);
      return error.code;
    });
    expect(codes).toEqual(['SECRET_STORE_NO_DBUS', 'SECRET_STORE_NO_SERVICE', 'SECRET_STORE_LOCKED', 'SECRET_STORE_ACCESS_DENIED', 'SECRET_STORE_ERROR']);
  });

  it('takes its deadline from TOKENCTL_KEYCHAIN_TIMEOUT, within bounds', () => {
    expect(keychainTimeoutMs({})).toBe(10_000);
    expect(keychainTimeoutMs({ TOKENCTL_KEYCHAIN_TIMEOUT: '2.5' })).toBe(2_500);
    for (const bad of ['0', '-1', 'abc', '1e9', '601', 'Infinity']) expect(() => keychainTimeoutMs({ TOKENCTL_KEYCHAIN_TIMEOUT: bad })).toThrow(UsageError);
  });
});

describe('secret environment variables', () => {
  it('are read once, then gone from the process environment that children inherit', () => {
    const env: NodeJS.ProcessEnv = { TOKENCTL_CLIENT_SECRET: 's', TOKENCTL_PASSPHRASE: 'p', TOKENCTL_CERTIFICATE_PASSWORD: 'c', TOKENCTL_CERTIFICATE_KEY_PASSWORD: 'k', PATH: '/bin' };
    const snapshot = takeEnvironment(env);
    expect(snapshot).toMatchObject({ TOKENCTL_CLIENT_SECRET: 's', TOKENCTL_PASSPHRASE: 'p', TOKENCTL_CERTIFICATE_PASSWORD: 'c', TOKENCTL_CERTIFICATE_KEY_PASSWORD: 'k', PATH: '/bin' });
    expect(env).toEqual({ PATH: '/bin' });
  });
});
