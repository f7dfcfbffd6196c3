// Figures for profiles: a cache-hit `tokenctl token -p` against bare Node start-up (target: at most
// 2x), and 50 parallel `token -p` on an empty cache (target: one IdP request, all succeed, under 5 s).
// Runs against a real, private gnome-keyring and a token endpoint on loopback.
// Usage: node bench/profile-cache.mjs [runs]   (build first: npm run build; Linux with gnome-keyring)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const runs = Number(process.argv[2] ?? 30);
const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'bin/tokenctl.js');
const work = mkdtempSync(join(tmpdir(), 'tokenctl-bench-profiles-'));

// The tests' keyring helper is TypeScript; bundle it for this plain script.
await build({ entryPoints: [join(repo, 'test/support/keyring.ts')], bundle: true, platform: 'node', format: 'esm', outfile: join(work, 'keyring.mjs'), logLevel: 'error' });
const { startKeyring } = await import(pathToFileURL(join(work, 'keyring.mjs')).href);

let requests = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    requests++;
    const token = `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify({ sub: 'bench', n: requests })).toString('base64url')}.`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token_type: 'Bearer', expires_in: 3600, access_token: token }));
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const tokenUrl = `http://127.0.0.1:${server.address().port}/token`;

const keyring = await startKeyring();
const env = { ...process.env, ...keyring.env, TOKENCTL_CONFIG_DIR: join(work, 'config'), NO_COLOR: '1' };

function run(args, extraEnv = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve({ ms, stdout, stderr });
    });
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

try {
  await run([bin, 'configure', '-p', 'bench', '--token-url', tokenUrl, '--client-id', 'svc'], { TOKENCTL_CLIENT_SECRET: 'bench-secret' });
  const rssProbe = 'data:text/javascript,process.on("exit",()=>process.stderr.write("maxrss_kb="+process.resourceUsage().maxRSS+"\\n"))';
  const before = requests;
  const samples = { node: [], hit: [] };
  await run([bin, 'token', '-p', 'bench']);
  for (let i = 0; i < runs; i++) {
    samples.node.push((await run(['-e', '0'])).ms);
    samples.hit.push((await run([bin, 'token', '-p', 'bench'])).ms);
  }
  const hitRequests = requests - before;
  const rss = Number(/maxrss_kb=(\d+)/.exec((await run(['--import', rssProbe, bin, 'token', '-p', 'bench'])).stderr)?.[1]) / 1024;
  const node = median(samples.node);
  const hit = median(samples.hit);
  console.log(`node ${process.version}, ${runs} runs each, median wall time\n`);
  console.log(`node -e 0                  ${node.toFixed(1)} ms`);
  console.log(`tokenctl token -p (hit)    ${hit.toFixed(1)} ms   ${(hit / node).toFixed(2)}x   peak RSS ${rss.toFixed(1)} MB   IdP requests: ${hitRequests}`);
  console.log(`cache-hit ratio ${(hit / node).toFixed(2)}x (target <= 2x): ${hit / node <= 2 ? 'met' : 'MISSED'}\n`);

  // An empty cache: --no-validate saves the profile and drops its cached token.
  await run([bin, 'configure', '-p', 'bench', '--no-validate']);
  const parallelBefore = requests;
  const started = Date.now();
  const results = await Promise.allSettled(Array.from({ length: 50 }, () => run([bin, 'token', '-p', 'bench'])));
  const wall = Date.now() - started;
  const ok = results.filter((r) => r.status === 'fulfilled');
  const tokens = new Set(ok.map((r) => r.value.stdout));
  const parallelRequests = requests - parallelBefore;
  console.log(`50 parallel token -p on an empty cache: ${ok.length}/50 succeeded, ${tokens.size} distinct token(s), ${parallelRequests} IdP request(s), ${wall} ms wall`);
  const met = ok.length === 50 && tokens.size === 1 && parallelRequests === 1 && wall < 5000;
  console.log(`parallel target (one request, all succeed, under 5 s): ${met ? 'met' : 'MISSED'}`);
} finally {
  await keyring.stop();
  server.close();
  rmSync(work, { recursive: true, force: true });
}
