// The build's last step: runs the built CLI's common commands (decode, a token request with a secret,
// a PEM and a PKCS#12 certificate, a file-store profile's request and cache hit, and where this
// machine has gnome-keyring a keychain profile's on a private one) against a token endpoint on loopback, each in its own process with
// scripts/code-cache-recorder.cjs preloaded, which saves V8's code cache of every dist/ file with
// what the runs compiled (dist/code-cache/, used by src/code-cache.ts). Each run starts from the
// caches of the runs before it, so the last holds what all of them compiled.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const repo = fileURLToPath(new URL('..', import.meta.url));

export async function writeCodeCache(dist) {
  const token = readFileSync(join(repo, 'examples/entra-access-token.txt'), 'utf8').replace(/\s/g, '');
  const server = createServer((request, response) => {
    request.resume().on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token_type: 'Bearer', expires_in: 3600, access_token: token }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const tokenUrl = `http://127.0.0.1:${server.address().port}/token`;
  const home = mkdtempSync(join(tmpdir(), 'tokenctl-build-'));
  // Only what the runs need: V8 flags (NODE_OPTIONS) would make caches a plain start rejects.
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    TOKENCTL_CONFIG_DIR: join(home, 'config'),
    TOKENCTL_BUILD_DIST: dist,
    TOKENCTL_CLIENT_SECRET: 'build-secret',
    TOKENCTL_PASSPHRASE: 'build-passphrase',
    NO_COLOR: '1',
  };
  const runs = [
    ['decode', '--json', token],
    ['token', '--token-url', tokenUrl, '--client-id', 'build'],
    ['configure', '-p', 'build', '--store', 'file', '--token-url', tokenUrl, '--client-id', 'build', '--no-validate'],
    ['token', '-p', 'build'],
    ['token', '-p', 'build'],
  ];
  const cli = (args, extraEnv = {}) =>
    promisify(execFile)(process.execPath, ['-r', join(repo, 'scripts/code-cache-recorder.cjs'), join(repo, 'bin/tokenctl.js'), ...args], { env: { ...env, ...extraEnv }, timeout: 60_000 });
  try {
    for (const args of runs) await cli(args);
    const { makeCertificate, makePkcs12, keyringAvailable, startKeyring } = await testSupport();
    // Client certificates: PEM, and PKCS#12 (forge's reader and key derivations).
    const cert = makeCertificate({ commonName: 'build' });
    writeFileSync(join(home, 'client.pem'), cert.certPem + cert.keyPem);
    writeFileSync(join(home, 'client.pfx'), makePkcs12({ entries: [{ certPem: cert.certPem, keyPem: cert.keyPem }], password: 'build-pfx' }));
    await cli(['token', '--token-url', tokenUrl, '--client-id', 'build', '--certificate', join(home, 'client.pem')]);
    await cli(['token', '--token-url', tokenUrl, '--client-id', 'build', '--certificate', join(home, 'client.pfx')], { TOKENCTL_CERTIFICATE_PASSWORD: 'build-pfx' });
    if (keyringAvailable().ok) await trainKeychain(cli, tokenUrl, startKeyring);
  } finally {
    server.close();
    rmSync(home, { recursive: true, force: true });
  }
}

/** The tests' certificate and private-keyring helpers (TypeScript), bundled for the build as bench/ does. */
async function testSupport() {
  const bundle = join(repo, 'node_modules/.cache/tokenctl-build/support.mjs');
  await build({
    stdin: { contents: ['certs', 'keyring'].map((name) => `export * from './test/support/${name}.ts';`).join('\n'), resolveDir: repo, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: bundle,
    packages: 'external',
    logLevel: 'error',
  });
  return import(pathToFileURL(bundle).href);
}

/**
 * A keychain profile's request and cache hit, on a private gnome-keyring (test/support/keyring.ts):
 * the D-Bus client's code is a keychain cache hit's largest part. If it cannot start, the keychain's
 * files keep the cache of their top level.
 */
async function trainKeychain(cli, tokenUrl, startKeyring) {
  let keyring;
  try {
    keyring = await startKeyring();
    await cli(['configure', '-p', 'build-keychain', '--token-url', tokenUrl, '--client-id', 'build', '--no-validate'], keyring.env);
    await cli(['token', '-p', 'build-keychain'], keyring.env);
    await cli(['token', '-p', 'build-keychain'], keyring.env);
  } catch (error) {
    console.warn(`build: the code cache has no keychain run (${error.message.split('\n')[0]})`);
  } finally {
    await keyring?.stop();
  }
}
