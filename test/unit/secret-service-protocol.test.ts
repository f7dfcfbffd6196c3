import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { takeEnvironment } from '../../src/environment.js';
import { busEndpoint, connectsAbstractSockets, DbusError, decodeMessage, encodeCall, marshalBody, parseBusAddress, splitSignature, unmarshalBody } from '../../src/secrets/dbus.js';
import { dbusSendFailure, parsePrintedReply } from '../../src/secrets/dbus-send.js';
import { keytarProcessEnvironment } from '../../src/secrets/keytar-process.js';
import { keychainTimeoutMs, serviceProblemError } from '../../src/secrets/keychain.js';
import { isVanishedObject, problemOf, ServiceProblemError, sessionBusAddress } from '../../src/secrets/secret-service.js';

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

  it('parses an address list as the specification says: escapes undone, a malformed entry left out', () => {
    expect(parseBusAddress('unix:path=/tmp/a%20b%c3%a9,guid=01;tcp:host=localhost,port=4')).toEqual([
      { transport: 'unix', params: new Map([['path', '/tmp/a bé'], ['guid', '01']]) },
      { transport: 'tcp', params: new Map([['host', 'localhost'], ['port', '4']]) },
    ]);
    // "%zz" once threw a URIError out of decodeURIComponent: a crash instead of "no bus".
    expect(parseBusAddress('unix:path=/tmp/%zz;unix:path=/ok')).toEqual([{ transport: 'unix', params: new Map([['path', '/ok']]) }]);
    expect(parseBusAddress('')).toEqual([]);
  });

  it('connects to a path; to an abstract name only where libuv connects by its exact length', () => {
    expect(connectsAbstractSockets('1.46.0')).toBe(false); // Node.js 20
    expect(connectsAbstractSockets('1.48.0')).toBe(true); // Node.js 22
    expect(connectsAbstractSockets('2.0.0')).toBe(true);
    expect(busEndpoint('unix:path=/run/user/1000/bus')).toEqual({ kind: 'socket', path: '/run/user/1000/bus' });
    expect(busEndpoint('unix:abstract=/tmp/dbus-XYZ,guid=0123', true)).toEqual({ kind: 'socket', path: '\0/tmp/dbus-XYZ' });
    // Node.js 20 would ask for "\0/tmp/dbus-XYZ" padded with NULs: another name. libdbus and GLib reach it.
    expect(busEndpoint('unix:abstract=/tmp/dbus-XYZ,guid=0123', false)).toMatchObject({ kind: 'library', why: expect.stringContaining('libuv is older than 1.48') });
    // Alternatives for one bus: the first tokenctl can connect to itself wins.
    expect(busEndpoint('unix:abstract=/tmp/dbus-XYZ;unix:path=/tmp/a%20b', false)).toEqual({ kind: 'socket', path: '/tmp/a b' });
    expect(busEndpoint('tcp:host=localhost,port=1;unix:path=/tmp/a')).toEqual({ kind: 'socket', path: '/tmp/a' });
  });

  it('leaves tcp: and unixexec: to a D-Bus library, and refuses listen-only and autolaunch addresses', () => {
    expect(busEndpoint('tcp:host=127.0.0.1,port=5555')).toMatchObject({ kind: 'library' });
    expect(busEndpoint('nonce-tcp:host=127.0.0.1,port=5555,noncefile=/tmp/n')).toMatchObject({ kind: 'library' });
    expect(busEndpoint('unixexec:path=/usr/bin/ssh,argv1=host')).toMatchObject({ kind: 'library' });
    expect(busEndpoint('unix:tmpdir=/tmp')).toMatchObject({ kind: 'none', why: expect.stringContaining('listens on') });
    expect(busEndpoint('unix:dir=/tmp;unix:runtime=yes')).toMatchObject({ kind: 'none', why: expect.stringContaining('not ones a client connects to') });
    expect(busEndpoint('autolaunch:')).toMatchObject({ kind: 'none', why: expect.stringContaining('never does') });
    expect(busEndpoint('garbage')).toMatchObject({ kind: 'none' });
  });
});

describe('dbus-send, for a bus only a D-Bus library reaches', () => {
  it('reads the answers it prints', () => {
    const search = 'method return time=1 sender=:1.0 -> destination=:1.6 serial=38 reply_serial=2\n   array [\n      object path "/c/login/1"\n   ]\n   array [\n      object path "/c/login/2"\n      object path "/c/login/3"\n   ]\n';
    expect(parsePrintedReply(search)).toEqual({ arrays: [['/c/login/1'], ['/c/login/2', '/c/login/3']], paths: [], booleans: [] });
    expect(parsePrintedReply('method return\n   array [\n   ]\n   array [\n   ]\n').arrays).toEqual([[], []]);
    expect(parsePrintedReply('method return\n   object path "/org/freedesktop/secrets/collection/login"\n').paths).toEqual(['/org/freedesktop/secrets/collection/login']);
    expect(parsePrintedReply('method return\n   variant       boolean true\n').booleans).toEqual([true]);
  });

  it('turns its errors into what the bus said, or "no bus"', () => {
    const denied = dbusSendFailure('Error org.freedesktop.DBus.Error.AccessDenied: Rejected send message\n', 'unix:abstract=/x');
    expect(problemOf(denied).kind).toBe('access-denied');
    expect(problemOf(dbusSendFailure('Error org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided\n', 'a')).kind).toBe('no-service');
    const refused = dbusSendFailure('Failed to open connection to "session" message bus: Failed to connect to socket /x: Connection refused\n', 'unix:abstract=/x');
    expect(problemOf(refused)).toMatchObject({ kind: 'no-bus', detail: expect.stringContaining('Connection refused') });
  });

  it('gives the helper processes the session, never a secret from the environment', () => {
    const env = { PATH: '/bin', HOME: '/h', DBUS_SESSION_BUS_ADDRESS: 'unix:abstract=/x', XDG_RUNTIME_DIR: '/run/user/1', DISPLAY: ':0', TOKENCTL_CLIENT_SECRET: 's', TOKENCTL_PASSPHRASE: 'p', AWS_SECRET_ACCESS_KEY: 'k', NODE_OPTIONS: '--require /tmp/x.js' };
    expect(keytarProcessEnvironment(env, false)).toEqual({ PATH: '/bin', HOME: '/h', DBUS_SESSION_BUS_ADDRESS: 'unix:abstract=/x', XDG_RUNTIME_DIR: '/run/user/1' });
    expect(keytarProcessEnvironment(env, true)).toMatchObject({ DISPLAY: ':0' });
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

  it('knows an item deleted between its search and its read (gnome-keyring says "Object does not exist")', () => {
    // What gnome-keyring answers GetSecret on an item a rotating configure has just deleted: the
    // secret is missing now (the profile is read again), not "the keychain failed" (exit 4).
    const gone = new DbusError('org.freedesktop.DBus.Error.UnknownMethod', 'Object does not exist at path “/org/freedesktop/secrets/collection/login/1”');
    expect(isVanishedObject(gone)).toBe(true);
    expect(isVanishedObject(new ServiceProblemError(problemOf(gone), { cause: gone }))).toBe(true);
    expect(isVanishedObject(new DbusError('org.freedesktop.Secret.Error.NoSuchObject', 'x'))).toBe(true);
    // Its other answer, once the item's object is gone from the collection too (seen in a rotation race).
    expect(isVanishedObject(new DbusError('org.freedesktop.DBus.Error.UnknownMethod', 'No such interface “org.freedesktop.Secret.Item” on object at path /org/freedesktop/secrets/collection/login/11'))).toBe(true);
    expect(isVanishedObject(new DbusError('org.freedesktop.DBus.Error.UnknownMethod', 'No such interface “org.freedesktop.Secret.Service” on object at path /'))).toBe(false);
    expect(isVanishedObject(new DbusError('org.freedesktop.DBus.Error.UnknownMethod', 'No such method'))).toBe(false);
    expect(isVanishedObject(new DbusError('org.freedesktop.DBus.Error.AccessDenied', 'does not exist'))).toBe(false);
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
