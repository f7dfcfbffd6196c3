import { describe, expect, it } from 'vitest';
import { SecretStoreError } from '../../src/errors.js';
import { diagnoseKeychainFailure } from '../../src/secrets/keychain.js';

const desktop = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus', DISPLAY: ':0' };
const headless = {};

function errno(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('diagnoseKeychainFailure', () => {
  it.each([
    ['missing module', errno("Cannot find module 'keytar'\nRequire stack:\n- /usr/lib/node_modules/tokenctl/dist/chunks/x.js", 'MODULE_NOT_FOUND')],
    ['missing libsecret', errno('libsecret-1.so.0: cannot open shared object file: No such file or directory', 'ERR_DLOPEN_FAILED')],
    ['ABI mismatch', new Error('The module keytar.node was compiled against a different Node.js version using NODE_MODULE_VERSION 108.')],
  ])('keytar unusable (%s) on Linux: install libsecret, reinstall, or use the file store', (_name, error) => {
    const result = diagnoseKeychainFailure(error, 'linux', desktop);
    expect(result).toBeInstanceOf(SecretStoreError);
    expect(result).toMatchObject({ code: 'SECRET_STORE_UNAVAILABLE', exitCode: 4 });
    expect(result.hint).toContain('apt-get install libsecret-1-0');
    expect(result.hint).toContain('dnf install libsecret');
    expect(result.hint).toContain('--store file');
    expect(result.message).not.toContain('Require stack');
    expect(result.cause).toBe(error);
  });

  it('any failure while loading keytar counts as keytar unusable', () => {
    const result = diagnoseKeychainFailure(new Error('Module did not load for some new reason'), 'linux', desktop, undefined, 'load');
    expect(result.code).toBe('SECRET_STORE_UNAVAILABLE');
    expect(result.message).toContain('some new reason');
  });

  it('keytar missing on macOS suggests a reinstall, not apt', () => {
    const result = diagnoseKeychainFailure(errno("Cannot find module 'keytar'", 'MODULE_NOT_FOUND'), 'darwin', {});
    expect(result.code).toBe('SECRET_STORE_UNAVAILABLE');
    expect(result.hint).toContain('npm install -g tokenctl');
    expect(result.hint).not.toContain('apt-get');
  });

  it.each([
    ['no X11 to autolaunch', new Error('Cannot autolaunch D-Bus without X11 $DISPLAY'), headless],
    ['stale bus address', new Error('Could not connect: No such file or directory'), { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/tmp/gone' }],
    ['bus address unset, unknown message', new Error('Error calling StartServiceByName'), headless],
  ])('no D-Bus session (%s): explains headless Linux', (_name, error, env) => {
    const result = diagnoseKeychainFailure(error, 'linux', env);
    expect(result).toMatchObject({ code: 'SECRET_STORE_NO_DBUS', exitCode: 4 });
    expect(result.hint).toContain('dbus-run-session');
    expect(result.hint).toContain('gnome-keyring-daemon --unlock');
    expect(result.hint).toContain('--store file');
  });

  it('says when DBUS_SESSION_BUS_ADDRESS is not set', () => {
    const result = diagnoseKeychainFailure(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY'), 'linux', headless);
    expect(result.message).toContain('DBUS_SESSION_BUS_ADDRESS is not set');
  });

  it('no Secret Service on the bus: start gnome-keyring or KeePassXC', () => {
    const error = new Error('The name org.freedesktop.secrets was not provided by any .service files');
    const result = diagnoseKeychainFailure(error, 'linux', desktop);
    expect(result).toMatchObject({ code: 'SECRET_STORE_NO_SERVICE', exitCode: 4 });
    expect(result.hint).toContain('gnome-keyring');
    expect(result.hint).toContain('KeePassXC');
    expect(result.hint).toContain('--store file');
  });

  it.each([
    ['locked collection', 'Cannot create an item in a locked collection'],
    ['prompt dismissed', 'Prompt dismissed'],
    // What a headless gnome-keyring answers when the login keyring was never created.
  ])('locked keyring on Linux (%s): unlock it', (_name, message) => {
    // Even without a bus address in env: the error proves a bus was reached.
    const result = diagnoseKeychainFailure(new Error(message), 'linux', headless);
    expect(result).toMatchObject({ code: 'SECRET_STORE_LOCKED', exitCode: 4 });
    expect(result.hint).toContain('Unlock');
    expect(result.hint).toContain('gnome-keyring-daemon --unlock');
    expect(result.hint).toContain('--store file');
  });

  it('no default keyring (what a headless gnome-keyring answers when none was created): create and unlock one', () => {
    const result = diagnoseKeychainFailure(new Error('Object does not exist at path “/org/freedesktop/secrets/collection/login”'), 'linux', headless);
    expect(result).toMatchObject({ code: 'SECRET_STORE_LOCKED', exitCode: 4 });
    expect(result.message).toContain('no default keyring');
    expect(result.hint).toContain('gnome-keyring-daemon --unlock');
  });

  it.each([
    ['Secret Service policy', 'linux', 'org.freedesktop.DBus.Error.AccessDenied: Rejected send message'],
    ['macOS', 'darwin', 'The user name or passphrase you entered is not correct. (errSecAuthFailed -25293)'],
    ['Windows', 'win32', 'Access is denied.'],
  ] as const)('access denied (%s) is its own state, not "locked" or "missing"', (_name, platform, message) => {
    const result = diagnoseKeychainFailure(new Error(message), platform, desktop);
    expect(result).toMatchObject({ code: 'SECRET_STORE_ACCESS_DENIED', exitCode: 4 });
    expect(result.message).toContain('refused access');
    expect(result.hint).toContain('--store file');
  });

  it('the hint ends with the way around the keychain that the command at hand offers', () => {
    const result = diagnoseKeychainFailure(new Error('Prompt dismissed'), 'linux', desktop, 'or run `tokenctl configure -p erp --store file`');
    expect(result.hint).toMatch(/; or run `tokenctl configure -p erp --store file`\.$/);
  });

  it('locked keychain on macOS: security unlock-keychain', () => {
    const result = diagnoseKeychainFailure(new Error('User interaction is not allowed.'), 'darwin', {});
    expect(result.code).toBe('SECRET_STORE_LOCKED');
    expect(result.hint).toContain('security unlock-keychain');
  });

  it('anything else: a generic keychain error that keeps the underlying message', () => {
    const result = diagnoseKeychainFailure(new Error('Unexpected weirdness 0x42'), 'linux', desktop);
    expect(result).toMatchObject({ code: 'SECRET_STORE_ERROR', exitCode: 4 });
    expect(result.message).toContain('Unexpected weirdness 0x42');
    expect(result.hint).toContain('--store file');
  });

  it('copes with non-Error throwables', () => {
    const result = diagnoseKeychainFailure('plain string failure', 'win32', {});
    expect(result.code).toBe('SECRET_STORE_ERROR');
    expect(result.message).toContain('plain string failure');
  });
});
