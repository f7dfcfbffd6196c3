// `npm run demo`: the whole main job on a fresh machine, with no account anywhere. A real OpenID
// provider (oidc-provider, as in the tests) runs on loopback; each tokenctl command is echoed, then
// run for real against it, in a throw-away config dir.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'bin/tokenctl.js');
if (!existsSync(join(repo, 'dist/main.js'))) spawnSync(process.execPath, [join(repo, 'scripts/build.mjs')], { stdio: 'inherit' });

const work = mkdtempSync(join(tmpdir(), 'tokenctl-demo-'));
const tty = process.stdout.isTTY;
const bold = (text) => (tty ? `\u001b[1m${text}\u001b[22m` : text);
const dim = (text) => (tty ? `\u001b[2m${text}\u001b[22m` : text);
const say = (text) => console.log(`\n${bold(`# ${text}`)}`);

// The provider lives in the test support code (TypeScript): bundle it for this plain script.
await build({ entryPoints: [join(repo, 'test/support/oidc-provider.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: join(repo, 'node_modules/.tokenctl-demo/oidc-provider.mjs'), logLevel: 'error' });
const { startOidcProvider } = await import(pathToFileURL(join(repo, 'node_modules/.tokenctl-demo/oidc-provider.mjs')).href);
const idp = await startOidcProvider({ accessTokenTtlSeconds: 3600 });
const env = { ...process.env, TOKENCTL_CONFIG_DIR: join(work, 'config') };
delete env.TOKENCTL_CLIENT_SECRET;
delete env.TOKENCTL_PROFILE;

/** Echoes a command as a user would type it, runs it, and checks its exit status. */
function run(args, { input, shownPrefix, expect = 0, extraEnv = {} } = {}) {
  console.log(`${dim('$')} ${shownPrefix ? `${shownPrefix} ` : ''}tokenctl ${args.map((a) => (/^[\w./:=@-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...env, ...extraEnv }, stdio: [input === undefined ? 'ignore' : 'pipe', 'inherit', 'inherit'] });
    if (input !== undefined) child.stdin.end(input);
    child.on('close', (code) => (code === expect ? resolve() : reject(new Error(`tokenctl ${args[0]} exited ${code}, expected ${expect}`))));
  });
}

let failed = false;
try {
  const doctor = spawnSync(process.execPath, [bin, 'doctor', '--json'], { env, encoding: 'utf8' });
  const keychain = JSON.parse(doctor.stdout).checks.find((check) => check.area === 'keychain');
  const store = keychain?.status === 'ok' ? [] : ['--store', 'file'];
  say(`A local OpenID provider is running at ${idp.issuer} (oidc-provider, loopback only).`);
  if (store.length) {
    console.log(`No Secret Service is reachable here (${keychain?.detail ?? 'no keychain'}),`);
    console.log('so the demo keeps secrets in the encrypted file store, with the demo passphrase in TOKENCTL_PASSPHRASE.');
    env.TOKENCTL_PASSPHRASE = 'tokenctl demo passphrase';
  } else {
    console.log('Secrets go to the OS keychain.');
  }
  const { clientId, clientSecret } = idp.clients.clientSecretPost;

  say('Save a profile: the token endpoint is discovered from the issuer, and a live request must succeed first.');
  await run(['configure', '-p', 'demo', '--issuer', idp.issuer, '--client-id', clientId, '--auth-method', 'client_secret_post', '--scope', 'read', '--client-secret-stdin', ...store], {
    input: clientSecret,
    shownPrefix: 'printf %s "$CLIENT_SECRET" |',
  });
  say('A pipeline gets just the token (here from the cache: no new request).');
  await run(['token', '-p', 'demo']);
  say('Support engineers: what is in it, in plain language.');
  await run(['decode', '-p', 'demo']);
  say('All profiles.');
  await run(['list']);
  say('A profile saved with a wrong secret (--no-validate skips the live check) ...');
  await run(['configure', '-p', 'demo-wrong', '--token-url', idp.tokenEndpoint, '--client-id', clientId, '--auth-method', 'client_secret_post', '--no-validate', ...store], {
    extraEnv: { TOKENCTL_CLIENT_SECRET: 'not-the-secret' },
    shownPrefix: 'TOKENCTL_CLIENT_SECRET=not-the-secret',
  });
  say('... fails validation with exit 5 and says what to try.');
  await run(['validate', '-p', 'demo-wrong'], { expect: 5 });
  say('Clean up: profiles, secrets and cached tokens.');
  await run(['remove', '-p', 'demo', '--yes']);
  await run(['remove', '-p', 'demo-wrong', '--yes']);
  say(`Done: ${idp.tokenRequests()} token requests reached the provider.`);
} catch (error) {
  failed = true;
  console.error(`\ndemo failed: ${error.message}`);
} finally {
  await idp.close();
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
