// N parallel `tokenctl token -p` on an empty cache (default 200), against a private gnome-keyring
// and a loopback identity provider: how many succeed, how many requests reach the identity
// provider, and the wall time. A waiter must wait for the live holder and share its token.
//   node bench/parallel-token.mjs [N]        (TOKENCTL_BIN=path/to/tokenctl.js to measure another build)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const count = Number(process.argv[2] ?? 200);
const bin = process.env.TOKENCTL_BIN ?? fileURLToPath(new URL('../bin/tokenctl.js', import.meta.url));
const SECRET = 'parallel-bench-secret';

// The identity provider runs in a process of its own, so the bench's pipes do not slow its answers.
const IDP = `let n = 0; require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => { n += 1; process.stdout.write('request\\n');
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'token-' + n, token_type: 'Bearer', expires_in: 3600 })); }); })
  .listen(0, '127.0.0.1', function () { process.stdout.write('port ' + this.address().port + '\\n'); });`;
const idp = spawn(process.execPath, ['-e', IDP], { stdio: ['ignore', 'pipe', 'inherit'] });
let requests = 0;
const port = await new Promise((resolve) => {
  let out = '';
  idp.stdout.setEncoding('utf8').on('data', (chunk) => {
    out += chunk;
    requests = (out.match(/^request$/gm) ?? []).length;
    const match = /^port (\d+)$/m.exec(out);
    if (match) resolve(match[1]);
  });
});
const tokenUrl = `http://127.0.0.1:${port}/token`;

// A private Secret Service, as in test/support/keyring.ts: stdin open keeps it alive.
const dir = mkdtempSync(join(tmpdir(), 'tokenctl-parallel-'));
const script = `set -eu; mkdir -p "$1/data" "$1/run" "$1/home"; chmod 700 "$1/run"
export XDG_DATA_HOME="$1/data" XDG_RUNTIME_DIR="$1/run" HOME="$1/home"
printf '%s' bench-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
echo "DBUS_SESSION_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS"; trap 'kill -TERM 0' EXIT; cat >/dev/null`;
const session = spawn('dbus-run-session', ['--', 'bash', '-c', script, 'bench', dir], { detached: true, stdio: ['pipe', 'pipe', 'inherit'] });
const bus = await new Promise((resolve, reject) => {
  let out = '';
  session.stdout.on('data', (chunk) => {
    out += chunk;
    const match = /DBUS_SESSION_BUS_ADDRESS=(.*)\n/.exec(out);
    if (match) resolve(match[1]);
  });
  session.on('exit', () => reject(new Error('the private keyring did not start (dbus-run-session, gnome-keyring-daemon)')));
});
const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: bus, TOKENCTL_CONFIG_DIR: join(dir, 'config'), NO_COLOR: '1' };

const run = (args, extra = {}) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });

try {
  const configured = await run(['configure', '-p', 'bench', '--token-url', tokenUrl, '--client-id', 'bench', '--auth-method', 'client_secret_post', '--no-validate'], { TOKENCTL_CLIENT_SECRET: SECRET });
  if (configured.code !== 0) throw new Error(`configure failed: ${configured.stderr}`);
  const before = requests;
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: count }, () => run(['token', '-p', 'bench'])));
  const wallMs = Date.now() - started;
  const byExit = {};
  for (const r of results) byExit[r.signal ?? r.code] = (byExit[r.signal ?? r.code] ?? 0) + 1;
  const successes = results.filter((r) => r.code === 0).length;
  console.log(`${count} parallel token -p on an empty cache: ${successes} succeeded, ${requests - before} request(s) to the identity provider, ${(wallMs / 1000).toFixed(1)} s wall time`);
  console.log(`exit statuses: ${JSON.stringify(byExit)}`);
  const failure = results.find((r) => r.code !== 0);
  if (failure) console.log(`first failure: ${failure.stderr.trim().split('\n').slice(0, 2).join(' | ')}`);
  process.exitCode = successes === count ? 0 : 1;
} finally {
  session.stdin.end();
  idp.kill();
  try {
    process.kill(-session.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  rmSync(dir, { recursive: true, force: true });
}
