import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensurePrivateDir, writeFileAtomic } from '../../src/profiles/atomic-file.js';
import { PROFILE_SCHEMA_VERSION, serializeProfile, type Profile } from '../../src/profiles/profile.js';
import { createProfileRepository, type ProfileRepository } from '../../src/profiles/repository.js';

const posixOnly = process.platform === 'win32';
const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

function profile(name: string, clientId = 'client-1'): Profile {
  return {
    schemaVersion: PROFILE_SCHEMA_VERSION,
    name,
    provider: 'entra',
    settings: { tenant: 'contoso.onmicrosoft.com', clientId, resources: ['api://orders'] },
    store: 'keychain',
    credential: 'secret',
    secretAccounts: { clientSecret: `${name}:client-secret:3f9a12` },
    expectations: { roles: ['Orders.Read'] },
    createdAt: '2025-01-02T03:04:05.000Z',
    updatedAt: '2025-01-02T03:04:05.000Z',
  };
}

let base: string;
let root: string;
let profilesDir: string;
let repo: ProfileRepository;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'tokenctl-profiles-'));
  root = join(base, 'config', 'tokenctl');
  profilesDir = join(root, 'profiles');
  repo = createProfileRepository(root);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

/** Puts a file straight into the profiles directory, as an editor or a crashed write would. */
async function plant(file: string, content: string, mode = 0o600): Promise<string> {
  await ensurePrivateDir(profilesDir);
  const path = join(profilesDir, file);
  await writeFile(path, content, { mode });
  await chmod(path, mode);
  return path;
}

describe('profile repository', () => {
  it('writes, reads, lists and deletes profiles', async () => {
    await repo.write(profile('erp'));
    await repo.write(profile('crm'));
    expect(await repo.read('erp')).toEqual(profile('erp'));
    expect(await readFile(repo.pathOf('erp'), 'utf8')).toBe(serializeProfile(profile('erp')));
    expect(await repo.list()).toEqual([
      { name: 'crm', profile: profile('crm') },
      { name: 'erp', profile: profile('erp') },
    ]);

    await repo.write(profile('erp', 'client-2'));
    expect((await repo.read('erp')).settings.clientId).toBe('client-2');

    expect(await repo.delete('erp')).toBe(true);
    expect(await repo.delete('erp')).toBe(false);
    expect(await repo.tryRead('erp')).toBeUndefined();
    expect((await repo.list()).map((entry) => entry.name)).toEqual(['crm']);
  });

  it('reports a missing profile with exit 3 and the commands that help', async () => {
    expect(await repo.list()).toEqual([]);
    expect(await repo.tryRead('erp')).toBeUndefined();
    await expect(repo.read('erp')).rejects.toMatchObject({
      code: 'PROFILE_NOT_FOUND',
      exitCode: 3,
      hint: expect.stringMatching(/tokenctl configure -p erp.*tokenctl list/),
    });
    await repo.write(profile('crm'));
    await expect(repo.read('erp')).rejects.toMatchObject({ code: 'PROFILE_NOT_FOUND' });
  });

  it('refuses an invalid name before touching the disk', async () => {
    await expect(repo.read('../secrets/erp')).rejects.toMatchObject({ code: 'PROFILE_NAME_INVALID', exitCode: 2 });
    await expect(repo.write(profile('../x'))).rejects.toMatchObject({ code: 'PROFILE_NAME_INVALID' });
    await expect(repo.delete('..')).rejects.toMatchObject({ code: 'PROFILE_NAME_INVALID' });
  });

  it('refuses to write a profile with something secret in it, and writes nothing', async () => {
    const leaky = { ...profile('erp'), settings: { ...profile('erp').settings, clientSecret: 'hunter2' } } as Profile;
    await expect(repo.write(leaky)).rejects.toMatchObject({ code: 'PROFILE_SECRET_FIELD', message: expect.not.stringContaining('hunter2') });
    expect(await repo.tryRead('erp')).toBeUndefined();
  });

  it.skipIf(posixOnly)('creates files 0600 and the directories it creates 0700', async () => {
    await repo.write(profile('erp'));
    expect(await modeOf(repo.pathOf('erp'))).toBe(0o600);
    expect(await modeOf(profilesDir)).toBe(0o700);
    expect(await modeOf(root)).toBe(0o700);
    expect(await modeOf(join(base, 'config'))).toBe(0o700);
  });

  it.skipIf(posixOnly)('leaves the mode of a directory it did not create alone', async () => {
    await mkdir(root, { recursive: true, mode: 0o755 });
    await chmod(root, 0o755);
    await repo.write(profile('erp'));
    expect(await modeOf(root)).toBe(0o755);
    expect(await modeOf(profilesDir)).toBe(0o700);
  });

  it.skipIf(posixOnly).each(['644', '640', '660', '604', '602'])('refuses a profile file with mode %s, with the chmod that fixes it', async (octal) => {
    const mode = Number.parseInt(octal, 8);
    const path = await plant('erp.json', serializeProfile(profile('erp')), mode);
    const insecure = { code: 'PROFILE_FILE_INSECURE', exitCode: 2, message: expect.stringContaining(`${path} can be read or changed by other users (mode ${octal})`), hint: `chmod 600 ${path}` };
    await expect(repo.read('erp')).rejects.toMatchObject(insecure);
    await expect(repo.tryRead('erp')).rejects.toMatchObject(insecure);
    expect(await repo.list()).toEqual([{ name: 'erp', problem: expect.objectContaining(insecure) }]);
    await chmod(path, 0o600);
    expect(await repo.read('erp')).toEqual(profile('erp'));
  });

  it.skipIf(posixOnly)('quotes a path with spaces in the chmod hint', async () => {
    const spaced = createProfileRepository(join(base, 'Application Support', 'tokenctl'));
    await spaced.write(profile('erp'));
    await chmod(spaced.pathOf('erp'), 0o644);
    await expect(spaced.read('erp')).rejects.toMatchObject({ hint: `chmod 600 '${spaced.pathOf('erp')}'` });
  });

  it.skipIf(posixOnly)('refuses a profiles directory others can write to, but not one they can only list', async () => {
    await repo.write(profile('erp'));
    await chmod(profilesDir, 0o755);
    expect(await repo.read('erp')).toEqual(profile('erp'));
    await chmod(profilesDir, 0o777);
    const insecure = { code: 'PROFILE_DIR_INSECURE', exitCode: 2, hint: `chmod 700 ${profilesDir}` };
    await expect(repo.read('erp')).rejects.toMatchObject(insecure);
    await expect(repo.list()).rejects.toMatchObject(insecure);
    await expect(repo.write(profile('crm'), { replaceBroken: true })).rejects.toMatchObject(insecure);
  });

  it('reports an unparseable file with its path and the reason, in read and in list', async () => {
    await repo.write(profile('crm'));
    const path = await plant('erp.json', '{"schemaVersion": 1, "name": hunter2}');
    const broken = { code: 'PROFILE_FILE_INVALID', exitCode: 2, message: expect.stringMatching(/is not valid JSON: Unexpected token/) };
    await expect(repo.read('erp')).rejects.toMatchObject({ ...broken, message: expect.stringContaining(path), hint: expect.stringContaining('tokenctl configure -p erp') });
    const listed = await repo.list();
    expect(listed).toEqual([
      { name: 'crm', profile: profile('crm') },
      { name: 'erp', problem: expect.objectContaining(broken) },
    ]);
    // V8 quotes the start of the text in its message; a broken file may hold a pasted secret.
    expect(listed[1]?.problem?.message).not.toContain('hunter2');
  });

  it('reports a file that is valid JSON but not a valid profile', async () => {
    await plant('erp.json', JSON.stringify({ ...profile('erp'), provider: 'okta' }));
    await expect(repo.read('erp')).rejects.toMatchObject({ code: 'PROFILE_FILE_INVALID', message: expect.stringContaining('provider must be one of entra, generic') });
  });

  it('refuses a file whose profile name differs from its file name (a copied profile)', async () => {
    await repo.write(profile('erp'));
    await plant('copy.json', await readFile(repo.pathOf('erp'), 'utf8'));
    await expect(repo.read('copy')).rejects.toMatchObject({ code: 'PROFILE_FILE_INVALID', message: expect.stringContaining('holds the profile "erp", not "copy"') });
  });

  it.each([
    ['unparseable', '{ nope'],
    ['from a newer tokenctl', serializeProfile(profile('erp')).replace('"schemaVersion": 1', '"schemaVersion": 2')],
  ])('never overwrites an %s file unless told to replace it', async (_, content) => {
    const path = await plant('erp.json', content);
    await expect(repo.write(profile('erp'))).rejects.toMatchObject({ code: expect.stringMatching(/^PROFILE_(FILE_INVALID|SCHEMA_UNSUPPORTED)$/), message: expect.stringContaining(path) });
    expect(await readFile(path, 'utf8')).toBe(content);
    await repo.write(profile('erp'), { replaceBroken: true });
    expect(await repo.read('erp')).toEqual(profile('erp'));
  });

  it('refuses a symlinked profile file, and replacing it touches only the link', async () => {
    const elsewhere = join(base, 'elsewhere.json');
    const content = serializeProfile(profile('erp'));
    await writeFile(elsewhere, content, { mode: 0o600 });
    await ensurePrivateDir(profilesDir);
    await symlink(elsewhere, repo.pathOf('erp'));
    const linked = { code: 'PROFILE_FILE_SYMLINK', exitCode: 2, message: expect.stringContaining('symbolic link') };
    await expect(repo.read('erp')).rejects.toMatchObject(linked);
    expect(await repo.list()).toEqual([{ name: 'erp', problem: expect.objectContaining(linked) }]);
    await expect(repo.write(profile('erp', 'client-2'))).rejects.toMatchObject(linked);

    await repo.write(profile('erp', 'client-2'), { replaceBroken: true });
    expect((await lstat(repo.pathOf('erp'))).isSymbolicLink()).toBe(false);
    expect(await readFile(elsewhere, 'utf8')).toBe(content);
  });

  it('lists only *.json files: a crashed write\'s temporary file is ignored, a misnamed file is reported', async () => {
    await repo.write(profile('erp'));
    await plant('.erp.json.0123456789abcdef.tmp', '{"schemaVersion": 1, "na');
    await plant('notes.txt', 'hello');
    await plant('bad name.json', serializeProfile(profile('erp')));
    expect(await repo.read('erp')).toEqual(profile('erp'));
    expect(await repo.list()).toEqual([
      { name: 'bad name', problem: expect.objectContaining({ code: 'PROFILE_FILE_INVALID', message: expect.stringContaining('is not named like a profile') }) },
      { name: 'erp', profile: profile('erp') },
    ]);
  });

  it('reports a directory where a profile file should be', async () => {
    await ensurePrivateDir(join(profilesDir, 'erp.json'));
    await expect(repo.read('erp')).rejects.toMatchObject({ code: 'PROFILE_FILE_INVALID', message: expect.stringContaining('is not a regular file') });
  });

  it('keeps all of 20 profiles written at once', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    await Promise.all(names.map((name) => repo.write(profile(name))));
    const listed = await repo.list();
    expect(listed.map((entry) => entry.name)).toEqual(names);
    expect(listed.every((entry) => entry.profile !== undefined)).toBe(true);
    expect(await readdir(profilesDir)).toHaveLength(20);
  });

  it('leaves one complete profile when the same profile is written 20 times at once', async () => {
    const versions = Array.from({ length: 20 }, (_, i) => profile('erp', `client-${i}`));
    await Promise.all(versions.map((version) => repo.write(version)));
    expect(versions).toContainEqual(await repo.read('erp'));
    expect(await readdir(profilesDir)).toEqual(['erp.json']);
  });
});

describe('writeFileAtomic', () => {
  it('writes a string or a Buffer, creating the directory', async () => {
    const path = join(base, 'a', 'b', 'file.bin');
    await writeFileAtomic(path, Buffer.from([0, 1, 2, 255]));
    expect(await readFile(path)).toEqual(Buffer.from([0, 1, 2, 255]));
    await writeFileAtomic(path, 'text ✓');
    expect(await readFile(path, 'utf8')).toBe('text ✓');
    expect(await readdir(join(base, 'a', 'b'))).toEqual(['file.bin']);
  });

  it.skipIf(posixOnly)('gives the file the mode asked for, 0600 by default, whatever the old file had', async () => {
    const path = join(base, 'file');
    await writeFile(path, 'old', { mode: 0o666 });
    await chmod(path, 0o666);
    await writeFileAtomic(path, 'new');
    expect(await modeOf(path)).toBe(0o600);
    await writeFileAtomic(path, 'newer', { mode: 0o400 });
    expect(await modeOf(path)).toBe(0o400);
  });

  it('removes its temporary file when the write fails', async () => {
    const target = join(base, 'dir', 'target');
    await mkdir(join(target, 'occupied'), { recursive: true });
    await expect(writeFileAtomic(target, 'data')).rejects.toThrow();
    expect(await readdir(join(base, 'dir'))).toEqual(['target']);
  });
});
