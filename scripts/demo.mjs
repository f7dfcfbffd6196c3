/* global fetch, URLSearchParams */
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

// oidc-provider announces each default page it renders: noise here, where its pages are the point.
const info = console.info;
console.info = (...args) => void (String(args[0]).includes('oidc-provider NOTICE') || info(...args));

// The provider lives in the test support code (TypeScript): bundle it for this plain script.
await build({ entryPoints: [join(repo, 'test/support/oidc-provider.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: join(repo, 'node_modules/.tokenctl-demo/oidc-provider.mjs'), logLevel: 'error' });
const { startOidcProvider } = await import(pathToFileURL(join(repo, 'node_modules/.tokenctl-demo/oidc-provider.mjs')).href);
const idp = await startOidcProvider({ accessTokenTtlSeconds: 3600, signIn: true });

// `npm run demo -- --serve`: only the provider, for trying user sign-in by hand (README, User sign-in).
if (process.argv.includes('--serve')) {
  console.log(`A local OpenID provider is running at ${bold(idp.issuer)} (oidc-provider, loopback only).`);
  console.log(`Clients: ${idp.signInClients.public.clientId} (public: no secret), ${idp.signInClients.confidential.clientId} (secret ${idp.signInClients.confidential.clientSecret}).`);
  console.log('Any login name and password sign in as that user. Ctrl-C stops it.');
  console.log(`\n  export ISSUER=${idp.issuer}\n  tokenctl configure -p sso --grant authorization_code --issuer "$ISSUER" --client-id ${idp.signInClients.public.clientId} --scope 'profile email'\n  tokenctl login -p sso`);
  await new Promise((resolve) => process.once('SIGINT', resolve));
  await idp.close();
  rmSync(work, { recursive: true, force: true });
  process.exit(0);
}
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

/**
 * The user's part of a device sign-in, played by an HTTP client on the provider's own pages: the
 * code confirmation, the login form and the consent form, cookies kept, redirects followed.
 */
async function signInAsUser(url, login) {
  const cookies = new Map();
  let request = { url, method: 'GET', body: undefined };
  for (let step = 0; step < 20; step++) {
    const response = await fetch(request.url, {
      method: request.method,
      body: request.body,
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '), ...(request.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    });
    for (const cookie of response.headers.getSetCookie()) {
      const pair = cookie.split(';')[0];
      cookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
    if (response.status >= 300 && response.status < 400) {
      request = { url: new URL(response.headers.get('location'), request.url).href, method: 'GET', body: undefined };
      continue;
    }
    const html = await response.text();
    if (/sign-in\s+was\s+successful/i.test(html)) return;
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
    if (!form) throw new Error(`the provider showed a page without a form (HTTP ${response.status})`);
    const fields = new URLSearchParams();
    for (const input of form[2].matchAll(/<input[^>]*\bname="([^"]+)"[^>]*>/g)) fields.set(input[1], /\bvalue="([^"]*)"/.exec(input[0])?.[1] ?? '');
    if (fields.has('login')) {
      fields.set('login', login);
      fields.set('password', 'any password');
    }
    request = { url: new URL(form[1], request.url).href, method: 'POST', body: fields.toString() };
  }
  throw new Error('the sign-in did not finish within 20 pages');
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
  say('A person signs in too: a device-code profile for a public client (no secret).');
  await run(['configure', '-p', 'me', '--grant', 'device_code', '--issuer', idp.issuer, '--client-id', idp.signInClients.public.clientId, '--scope', 'profile email', ...store]);
  say('login shows a code to enter in any browser (here an HTTP client plays the user on the provider\'s pages).');
  console.log(`${dim('$')} tokenctl login -p me`);
  await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'login', '-p', 'me'], { env, stdio: ['ignore', 'inherit', 'pipe'] });
    let shown = '';
    let playing;
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      shown += chunk.toString();
      const complete = /or open (\S+) \(the code is filled in\)/.exec(shown)?.[1];
      if (complete && !playing) playing = signInAsUser(complete, 'ada').catch((error) => child.kill() && reject(error));
    });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tokenctl login exited ${code}`))));
  });
  say('Its token renews itself from the stored refresh token; userinfo says who it belongs to.');
  await run(['token', '-p', 'me', '--min-validity', '7200'], { shownPrefix: '' });
  await run(['userinfo', '-p', 'me']);
  await run(['logout', '-p', 'me']);
  say('Clean up: profiles, secrets and cached tokens.');
  await run(['remove', '-p', 'demo', '--yes']);
  await run(['remove', '-p', 'demo-wrong', '--yes']);
  await run(['remove', '-p', 'me', '--yes']);
  say(`Done: ${idp.tokenRequests()} token requests reached the provider.`);
} catch (error) {
  failed = true;
  console.error(`\ndemo failed: ${error.message}`);
} finally {
  await idp.close();
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
