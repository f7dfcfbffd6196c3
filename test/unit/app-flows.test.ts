// The profile flows in-process: an in-memory secret store, a fake clock, a scripted identity
// provider on loopback, and the real profile files, cache and lock in a temporary directory.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureProfile, type ConfigureFlowOptions } from '../../src/app/configure.js';
import type { AppContext } from '../../src/app/context.js';
import { doctorChecks } from '../../src/app/doctor.js';
import { removalTargets, removeProfiles } from '../../src/app/remove.js';
import { getToken, type TokenFlowOptions } from '../../src/app/token.js';
import { CliError, Code, SecretStoreError } from '../../src/errors.js';
import { configLayout } from '../../src/profiles/paths.js';
import { createProfileRepository } from '../../src/profiles/repository.js';
import { createMemorySecretStore, type MemorySecretStore } from '../support/memory-store.js';

const CLIENT_ID = 'flow-client';

/** A client_secret_post token endpoint accepting `secrets`, answering after `delayMs`. */
interface Idp {
  tokenUrl: string;
  secrets: Set<string>;
  delayMs: number;
  /** The client secret and scope of each request, in order. */
  requests: Array<{ secret: string; scope: string }>;
  close(): Promise<void>;
}

async function startIdp(): Promise<Idp> {
  let issued = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const secret = form.get('client_secret') ?? '';
      idp.requests.push({ secret, scope: form.get('scope') ?? '' });
      setTimeout(() => {
        if (!idp.secrets.has(secret)) {
          res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_client', error_description: 'bad secret' }));
          return;
        }
        issued += 1;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `token-${issued}`, token_type: 'Bearer', expires_in: 3600 }));
      }, idp.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const idp: Idp = {
    tokenUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    secrets: new Set(),
    delayMs: 0,
    requests: [],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return idp;
}

let idp: Idp;
let dir: string;
let store: MemorySecretStore;
let clock: Date;
let reported: { warnings: string[]; details: string[]; sent: string[] };

beforeAll(async () => {
  idp = await startIdp();
});
afterAll(async () => {
  await idp.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tokenctl-flows-'));
  mkdirSync(join(dir, 'work'));
  store = createMemorySecretStore();
  clock = new Date();
  idp.secrets = new Set(['secret-one']);
  idp.delayMs = 0;
  idp.requests.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function context(env: Record<string, string> = {}): AppContext {
  reported = { warnings: [], details: [], sent: [] };
  return {
    env,
    cwd: join(dir, 'work'),
    now: () => clock,
    layout: configLayout(join(dir, 'config')),
    reporter: {
      warn: (message) => reported.warnings.push(message),
      verboseWarn: (message) => reported.details.push(message),
      detail: (message) => reported.details.push(message),
      trace: () => {},
      conceal: () => {},
      secretIn: () => undefined,
      handOut: () => {},
      sending: (destination) => reported.sent.push(destination),
      progress: () => () => {},
    },
    readSecret: () => Promise.reject(new Error('nothing to read on stdin here')),
    openStore: async () => store,
  };
}

const configureOptions = (extra: Partial<ConfigureFlowOptions> = {}): ConfigureFlowOptions => ({
  profile: 'erp',
  settings: { tokenUrl: idp.tokenUrl, clientId: CLIENT_ID, authMethod: 'client_secret_post', scopes: ['read'] },
  secrets: {},
  store: undefined,
  validate: true,
  expectations: {},
  secretExpires: undefined,
  ...extra,
});

const tokenOptions = (extra: Partial<TokenFlowOptions> = {}): TokenFlowOptions => ({ profile: 'erp', settings: {}, secrets: {}, minValiditySeconds: 300, refresh: false, noCache: false, ...extra });

async function failure(promise: Promise<unknown>): Promise<CliError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
}

describe('token -p with a secret given on this run', () => {
  it('uses the cached token only when the given secret is the one it was obtained with', async () => {
    await configureProfile(configureOptions(), context({ TOKENCTL_CLIENT_SECRET: 'secret-one' }));
    expect(idp.requests).toHaveLength(1);
    // No override: the cache answers.
    expect(await getToken(tokenOptions(), context())).toMatchObject({ cached: true });
    // The same secret as an override: the cache still answers, having proved it.
    expect(await getToken(tokenOptions(), context({ TOKENCTL_CLIENT_SECRET: 'secret-one' }))).toMatchObject({ cached: true });
    expect(idp.requests).toHaveLength(1);

    // A wrong secret is sent, and refused: the cached token does not hide it.
    const wrong = await failure(getToken(tokenOptions(), context({ TOKENCTL_CLIENT_SECRET: 'secret-wrong' })));
    expect(wrong.exitCode).toBe(5);
    expect(reported.details.join('\n')).toContain('cached token not used: it was not obtained with the client secret from TOKENCTL_CLIENT_SECRET');
    expect(idp.requests.at(-1)?.secret).toBe('secret-wrong');
    // Each request tells the reporter what it sent where, before the answer comes.
    expect(reported.sent).toEqual([`the client secret of client ${CLIENT_ID} to 127.0.0.1`]);

    // A new valid secret gets its own token, which then proves itself.
    idp.secrets.add('secret-two');
    expect(await getToken(tokenOptions(), context({ TOKENCTL_CLIENT_SECRET: 'secret-two' }))).toMatchObject({ cached: false });
    expect(await getToken(tokenOptions(), context({ TOKENCTL_CLIENT_SECRET: 'secret-two' }))).toMatchObject({ cached: true });
    const requests = idp.requests.length;
    expect(await getToken(tokenOptions(), context({ TOKENCTL_CLIENT_SECRET: 'secret-one' }))).toMatchObject({ cached: false });
    expect(idp.requests).toHaveLength(requests + 1);
  });

  it('keeps neither the secret nor an unsalted hash of it in the cache file', async () => {
    await configureProfile(configureOptions(), context({ TOKENCTL_CLIENT_SECRET: 'secret-one' }));
    const text = readFileSync(join(dir, 'config', 'cache', 'erp.json'), 'utf8');
    const { createHash } = await import('node:crypto');
    for (const form of ['secret-one', createHash('sha256').update('secret-one').digest('hex'), createHash('sha256').update('secret-one').digest('base64')]) expect(text).not.toContain(form);
  });
});

describe('paths in profiles', () => {
  it('configure saves the paths it is given as absolute paths', async () => {
    const options = configureOptions({ settings: { tokenUrl: idp.tokenUrl, clientId: CLIENT_ID, clientAssertionFile: 'federated.jwt', caFile: './ca.pem' }, validate: false });
    const { profile } = await configureProfile(options, context());
    expect(profile.settings).toMatchObject({ clientAssertionFile: join(dir, 'work', 'federated.jwt'), caFile: join(dir, 'work', 'ca.pem') });
  });

  it('a profile holding a relative path fails token -p and doctor, naming the profile and the fix', async () => {
    await configureProfile(configureOptions({ settings: { tokenUrl: idp.tokenUrl, clientId: CLIENT_ID, clientAssertionFile: '/abs/federated.jwt' }, validate: false }), context());
    // As an older tokenctl saved it.
    const repo = createProfileRepository(join(dir, 'config'));
    const saved = await repo.read('erp');
    await repo.write({ ...saved, settings: { ...saved.settings, clientAssertionFile: 'federated.jwt' } });
    writeFileSync(join(dir, 'work', 'federated.jwt'), 'header.payload.signature');

    const error = await failure(getToken(tokenOptions(), context()));
    expect(error).toMatchObject({ code: 'PROFILE_RELATIVE_PATH', exitCode: 2 });
    expect(error.message).toContain('profile erp holds the relative path --client-assertion-file "federated.jwt"');
    expect(error.hint).toContain(`tokenctl configure -p erp --client-assertion-file ${join(dir, 'work', 'federated.jwt')}`);
    expect(idp.requests).toHaveLength(0);

    const { checks } = await doctorChecks({ profile: 'erp', online: false }, context());
    expect(checks).toContainEqual(expect.objectContaining({ area: 'profile erp', status: 'problem', detail: expect.stringContaining('relative path --client-assertion-file'), fix: expect.stringContaining('tokenctl configure -p erp --client-assertion-file /') }));
  });
});

describe('configure and token under concurrency', () => {
  it('two configure runs at once, one with a new secret and one with --scope: both take effect, and token works', async () => {
    await configureProfile(configureOptions(), context({ TOKENCTL_CLIENT_SECRET: 'secret-one' }));
    idp.secrets.add('secret-two');
    // Slow answers: both runs read the profile before either saves.
    idp.delayMs = 150;
    const rotation = configureProfile(configureOptions({ settings: {} }), context({ TOKENCTL_CLIENT_SECRET: 'secret-two' }));
    const rescope = configureProfile(configureOptions({ settings: { scopes: ['write'] } }), context());
    await Promise.all([rotation, rescope]);
    idp.delayMs = 0;

    const profile = await createProfileRepository(join(dir, 'config')).read('erp');
    expect(profile.settings.scopes).toEqual(['write']);
    expect(store.values.get(profile.secretAccounts.clientSecret ?? '')).toBe('secret-two');
    // Nothing but the profile's own secret and the cache key is left in the store.
    expect([...store.values.keys()].sort()).toEqual(['erp:cache-key', profile.secretAccounts.clientSecret].sort());
    const token = await getToken(tokenOptions({ refresh: true }), context());
    expect(token.cached).toBe(false);
    expect(idp.requests.at(-1)).toEqual({ secret: 'secret-two', scope: 'write' });
  });

  it('token --no-cache during a rotation reads the profile again when its secret was just replaced', async () => {
    await configureProfile(configureOptions(), context({ TOKENCTL_CLIENT_SECRET: 'secret-one' }));
    idp.secrets = new Set(['secret-two']);
    // The rotation completes between token's read of the profile and its read of the secret.
    let rotated = false;
    const racing = context();
    racing.openStore = async () => ({
      ...store,
      get: async (account) => {
        if (!rotated) {
          rotated = true;
          await configureProfile(configureOptions({ settings: {}, validate: false }), context({ TOKENCTL_CLIENT_SECRET: 'secret-two' }));
        }
        return store.get(account);
      },
    });
    expect(await getToken(tokenOptions({ noCache: true }), racing)).toMatchObject({ cached: false });
    expect(rotated).toBe(true);
    expect(idp.requests.at(-1)?.secret).toBe('secret-two');
  });
});

describe('remove', () => {
  it('deletes the profile, every secret slot and the cache key, found by name', async () => {
    idp.secrets.add('secret-two');
    await configureProfile(configureOptions(), context({ TOKENCTL_CLIENT_SECRET: 'secret-one' }));
    await configureProfile(configureOptions({ settings: {} }), context({ TOKENCTL_CLIENT_SECRET: 'secret-two' }));
    // A crash of an older run left a secret in the other slot.
    store.values.set('erp:client-secret:1', 'left-behind');
    store.values.set('erp:client-secret:2', 'left-behind');
    store.values.set('other:client-secret:1', 'not ours');
    const targets = await removalTargets({ profile: 'erp', all: false }, context());
    expect(await removeProfiles(targets, context())).toEqual({ alreadyGone: [], leftoversRemoved: [] });
    expect([...store.values.keys()]).toEqual(['other:client-secret:1']);
    await expect(createProfileRepository(join(dir, 'config')).tryRead('erp')).resolves.toBeUndefined();
  });

  it('five at once: one removes, the others find it already removed, even one that looks only after it finished', async () => {
    await configureProfile(configureOptions(), context({ TOKENCTL_CLIENT_SECRET: 'secret-one' }));
    const targets = await removalTargets({ profile: 'erp', all: false }, context());
    const results = await Promise.all(Array.from({ length: 4 }, () => removeProfiles(targets, context())));
    expect(results.filter((r) => r.alreadyGone.length === 0)).toHaveLength(1);
    expect(store.values.size).toBe(0);
    // Started with the others, but slower to look: "already removed", not "no such profile".
    const slow = { ...context(), startedAt: new Date(clock.getTime() - 1_000) };
    expect(await removeProfiles(await removalTargets({ profile: 'erp', all: false }, slow), slow)).toEqual({ alreadyGone: ['erp'], leftoversRemoved: [] });
    // A remove started after the removal finished finds no profile (exit 3), as for one that never was.
    const later = { ...context(), startedAt: new Date(clock.getTime() + 1) };
    expect(await failure(removalTargets({ profile: 'erp', all: false }, later))).toMatchObject({ code: 'PROFILE_NOT_FOUND', exitCode: 3 });
    expect(await failure(removalTargets({ profile: 'never-was', all: false }, context()))).toMatchObject({ code: 'PROFILE_NOT_FOUND', exitCode: 3 });
  });

  it('with a store that fails half-way: the profile is gone, the error names what is left and a command that removes it', async () => {
    await configureProfile(configureOptions(), context({ TOKENCTL_CLIENT_SECRET: 'secret-one' }));
    const account = (await createProfileRepository(join(dir, 'config')).read('erp')).secretAccounts.clientSecret as string;
    const failing = context();
    failing.openStore = async () => ({
      ...store,
      delete: async () => {
        throw new SecretStoreError(Code.SECRET_STORE_TIMEOUT, 'The OS keychain did not answer within 10 s (asking the Secret Service).', {
          hint: 'Restart gnome-keyring-daemon; then run `tokenctl remove -p erp --yes` again: it removes what is left.',
        });
      },
    });
    const error = await failure(removeProfiles(await removalTargets({ profile: 'erp', all: false }, failing), failing));
    expect(error).toMatchObject({ code: 'SECRET_STORE_TIMEOUT', exitCode: 4 });
    expect(error.message).toContain('profile erp is removed (its file is gone)');
    expect(error.message).toContain(`"${account}"`);
    expect(error.message).toContain('"erp:cache-key"');
    expect(error.message).toContain('did not answer within 10 s');
    expect(error.hint).toContain('tokenctl remove -p erp --yes');
    expect(error.hint).not.toContain('configure');
    await expect(createProfileRepository(join(dir, 'config')).tryRead('erp')).resolves.toBeUndefined();
    expect(store.values.get(account)).toBe('secret-one');

    // The same command again, with the store back: what was left goes, and it says so.
    const targets = await removalTargets({ profile: 'erp', all: false }, context());
    expect(targets).toEqual([expect.objectContaining({ name: 'erp', record: expect.anything() })]);
    expect(await removeProfiles(targets, context())).toEqual({ alreadyGone: [], leftoversRemoved: ['erp'] });
    expect(store.values.size).toBe(0);
    // Once all is removed, a later remove finds no profile.
    expect(await failure(removalTargets({ profile: 'erp', all: false }, { ...context(), startedAt: new Date(clock.getTime() + 1) }))).toMatchObject({ exitCode: 3 });
  });

  it('remove --all also removes what earlier removals left behind; a record never reaches another profile', async () => {
    await configureProfile(configureOptions(), context({ TOKENCTL_CLIENT_SECRET: 'secret-one' }));
    await configureProfile(configureOptions({ profile: 'other' }), context({ TOKENCTL_CLIENT_SECRET: 'secret-one' }));
    const other = [...store.values.keys()].filter((account) => account.startsWith('other:'));
    const locks = join(dir, 'config', 'locks');
    mkdirSync(locks, { recursive: true });
    // A record naming another profile's secret is not one remove wrote: it is ignored.
    writeFileSync(join(locks, 'erp.removed'), JSON.stringify({ profile: 'erp', removedAt: clock.toISOString(), remaining: [{ store: 'keychain', account: other[0] }], named: [] }));
    await removeProfiles(await removalTargets({ profile: 'erp', all: false }, context()), context());
    expect(other.every((account) => store.values.has(account))).toBe(true);

    // Left behind by a removal that failed: found and removed by --all, with the profiles.
    writeFileSync(join(locks, 'gone.removed'), JSON.stringify({ profile: 'gone', removedAt: clock.toISOString(), remaining: [{ store: 'keychain', account: 'gone:client-secret:1' }], named: [] }));
    store.values.set('gone:client-secret:1', 'left');
    const targets = await removalTargets({ profile: undefined, all: true }, context());
    expect(targets.map((t) => t.name)).toEqual(['other', 'gone']);
    expect(await removeProfiles(targets, context())).toEqual({ alreadyGone: [], leftoversRemoved: ['gone'] });
    expect(store.values.size).toBe(0);
  });
});
