// tokenctl's speed targets (issue 11), each as a ratio against a bare `node -e 0` from one paired run:
// every round runs every case once, in a shuffled order, so load on a shared machine hits them alike,
// and each figure is the median over the rounds. Then a peer benchmark: the same Entra ID request
// with @azure/identity's ClientSecretCredential, one process at a time and 50 at once.
//
// Real parts on loopback: the Entra ID emulator of the tests (https, its own CA), a private
// gnome-keyring for the keychain profile, the encrypted file store for the file profile.
//
// Usage: npm run build && node bench/run.mjs [--runs N] [--parallel N] [--smoke]
//   --smoke: 3 rounds and 5 parallel processes, no targets judged: CI runs it so the benchmark cannot rot.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values: flags } = parseArgs({ options: { runs: { type: 'string' }, parallel: { type: 'string' }, smoke: { type: 'boolean', default: false } } });
const smoke = flags.smoke;
const rounds = Number(flags.runs ?? (smoke ? 3 : 30));
const parallel = Number(flags.parallel ?? (smoke ? 5 : 50));

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'bin/tokenctl.js');
const peer = join(repo, 'bench/peer-azure-identity.mjs');
const work = mkdtempSync(join(tmpdir(), 'tokenctl-bench-'));

// The tests' emulator, certificate and keyring helpers are TypeScript: bundle them for this script,
// under node_modules so that their own dependencies resolve.
const supportBundle = join(repo, 'node_modules/.cache/tokenctl-bench/support.mjs');
await build({
  stdin: { contents: ['entra-emulator', 'certs', 'keyring'].map((name) => `export * from './test/support/${name}.ts';`).join('\n'), resolveDir: repo, loader: 'ts' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: supportBundle,
  packages: 'external',
  logLevel: 'error',
});
const { startEntraEmulator, makeCertificate, makePkcs12, keyringAvailable, startKeyring } = await import(pathToFileURL(supportBundle).href);

// Most machines do not set NODE_EXTRA_CA_CERTS; where it names the system bundle (as here) it adds
// ~80 ms to every Node start and would hide tokenctl's own cost. Every timed process runs without it.
const inherited = process.env.NODE_EXTRA_CA_CERTS;
const baseEnv = { ...process.env, NO_COLOR: '1' };
delete baseEnv.NODE_EXTRA_CA_CERTS;
delete baseEnv.TOKENCTL_PROFILE;

const TENANT = '9660ad26-896d-4438-a013-e3ee23b57b7c';
const SECRET_APP = '2974926a-0818-407b-a86c-b7616ce3a81a';
const CERT_APP = '5e1a7c4d-3b2f-4e8a-9c6d-1f0e2d3c4b5a';
const API_APP = 'cdc128ef-09ca-46ca-a349-57c0c248cad7';
const API_URI = `api://${API_APP}`;
const SECRET = 'bench~secret.value-1234567890abcdefghij';

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function shuffled(items) {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** Runs one process to completion; fails the benchmark unless it succeeds and prints a token (or anything, for non-token cases). */
function run(args, env = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env: { ...baseEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve({ ms, stdout, stderr });
    });
  });
}

// The child's own peak RSS at exit (a preloaded CommonJS file: no wrapper process counted).
const rssProbe = join(work, 'rss-probe.cjs');
writeFileSync(rssProbe, "process.on('exit', () => require('node:fs').writeSync(2, `\\nmaxrss_kb=${process.resourceUsage().maxRSS}\\n`));\n");
async function peakRssMb(args, env) {
  const { stderr } = await run(['-r', rssProbe, ...args], env);
  return Number(/maxrss_kb=(\d+)/.exec(stderr)?.[1]) / 1024;
}

const cert = makeCertificate({ commonName: 'bench-client' });
const pemPath = join(work, 'client.pem');
writeFileSync(pemPath, cert.certPem + cert.keyPem);
const pfxPath = join(work, 'client.pfx');
writeFileSync(pfxPath, makePkcs12({ entries: [{ certPem: cert.certPem, keyPem: cert.keyPem }], password: 'bench-pfx' }));

const emulator = await startEntraEmulator({
  tenants: [{ id: TENANT, domains: ['contoso.onmicrosoft.com'] }],
  resources: [{ tenantId: TENANT, appId: API_APP, appIdUri: API_URI, displayName: 'Bench API' }],
  apps: [
    { tenantId: TENANT, clientId: SECRET_APP, displayName: 'Bench (secret)', secrets: [{ value: SECRET, secretId: '0f4a3a1e-5c47-4b5e-9b7d-8f3f7b9c2d11' }], roles: { [API_APP]: ['Reader'] } },
    { tenantId: TENANT, clientId: CERT_APP, displayName: 'Bench (certificate)', certificates: [cert.certPem], roles: { [API_APP]: ['Reader'] } },
  ],
});
const tokenRequests = () => emulator.requests.filter((r) => r.path.includes('/oauth2/v2.0/token')).length;

const keyringCheck = keyringAvailable();
if (!keyringCheck.ok && process.env.CI) throw new Error(`the benchmark needs gnome-keyring in CI: ${keyringCheck.reason}`);
const keyring = keyringCheck.ok ? await startKeyring() : undefined;

const configDir = join(work, 'config');
const profileEnv = { ...keyring?.env, TOKENCTL_CONFIG_DIR: configDir, TOKENCTL_PASSPHRASE: 'bench passphrase' };
const request = ['--tenant', TENANT, '--authority-host', emulator.authorityHost, '--ca-file', emulator.caFile, '--resource', API_URI];
const secretRequest = [...request, '--client-id', SECRET_APP];
const certRequest = [...request, '--client-id', CERT_APP];
const token = readFileSync(join(repo, 'examples/entra-access-token.txt'), 'utf8').replace(/\s/g, '');

const targets = [];
try {
  const configure = (profile, ...extra) => run([bin, 'configure', '-p', profile, ...secretRequest, ...extra], { ...profileEnv, TOKENCTL_CLIENT_SECRET: SECRET });
  if (keyring) await configure('keychain');
  await configure('file', '--store', 'file');
  if (keyring) await configure('fleet');

  const cases = [
    { name: 'node -e 0', args: ['-e', '0'] },
    { name: 'tokenctl --version', args: [bin, '--version'], target: 1.3 },
    { name: 'tokenctl decode --json TOKEN', args: [bin, 'decode', '--json', token], target: 1.8, rssTarget: 50 },
    ...(keyring ? [{ name: 'token -p (cache hit, keychain)', args: [bin, 'token', '-p', 'keychain'], env: profileEnv, target: 2.5 }] : []),
    { name: 'token -p (cache hit, --store file)', args: [bin, 'token', '-p', 'file'], env: profileEnv, target: 3.0 },
    { name: 'token --ca-file (https, secret)', args: [bin, 'token', ...secretRequest], env: { TOKENCTL_CLIENT_SECRET: SECRET }, target: 5.0 },
    { name: 'token --certificate PEM', args: [bin, 'token', ...certRequest, '--certificate', pemPath] },
    { name: 'token --certificate PKCS#12', args: [bin, 'token', ...certRequest, '--certificate', pfxPath], env: { TOKENCTL_CERTIFICATE_PASSWORD: 'bench-pfx' } },
    {
      name: '@azure/identity ClientSecretCredential',
      args: [peer],
      env: { NODE_EXTRA_CA_CERTS: emulator.caFile, BENCH_TENANT: TENANT, BENCH_CLIENT_ID: SECRET_APP, BENCH_CLIENT_SECRET: SECRET, BENCH_AUTHORITY_HOST: emulator.authorityHost, BENCH_SCOPE: `${API_URI}/.default` },
    },
  ];

  // One untimed pass: file caches warm, and every case proven to work (the cache hits now hit).
  for (const c of cases) await run(c.args, c.env);
  const samples = new Map(cases.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const c of shuffled(cases)) samples.get(c.name).push((await run(c.args, c.env)).ms);
  }
  const ms = (name) => median(samples.get(name));
  const node = ms('node -e 0');

  console.log(`tokenctl benchmark: node ${process.version}, ${process.platform} ${process.arch}, ${rounds} paired round(s), median wall time per process`);
  console.log(
    inherited
      ? `NODE_EXTRA_CA_CERTS is set in this environment (${inherited}); it is unset for every timed process, as on most machines.`
      : 'NODE_EXTRA_CA_CERTS is not set (and is unset for every timed process).',
  );
  if (!keyring) console.log(`keychain cases skipped: ${keyringCheck.reason}`);
  console.log('');
  console.log(`${'case'.padEnd(40)} ${'median ms'.padStart(9)} ${'vs node'.padStart(8)} ${'target'.padStart(7)}`);
  for (const c of cases) {
    const ratio = ms(c.name) / node;
    let verdict = '';
    if (c.target) {
      verdict = smoke ? '' : ratio <= c.target ? 'met' : 'MISSED';
      targets.push({ name: c.name, met: ratio <= c.target });
    }
    console.log(`${c.name.padEnd(40)} ${ms(c.name).toFixed(1).padStart(9)} ${`${ratio.toFixed(2)}x`.padStart(8)} ${(c.target ? `<= ${c.target}x` : '').padStart(7)}  ${verdict}`);
  }

  const decodeCase = cases.find((c) => c.rssTarget);
  const rss = await peakRssMb(decodeCase.args, decodeCase.env);
  targets.push({ name: 'decode peak RSS', met: rss < decodeCase.rssTarget });
  const pkcs12 = ms('token --certificate PKCS#12') / ms('token --certificate PEM');
  targets.push({ name: 'PKCS#12 vs PEM', met: pkcs12 <= 1.1 });
  const peerRatio = ms('@azure/identity ClientSecretCredential') / ms('token --ca-file (https, secret)');
  targets.push({ name: 'peer', met: peerRatio >= 2 });
  const judge = (met) => (smoke ? '' : met ? '  met' : '  MISSED');
  console.log('');
  console.log(`decode --json peak RSS                   ${rss.toFixed(1)} MB (target < 50 MB)${judge(rss < 50)}`);
  console.log(`--certificate PKCS#12 vs PEM             ${pkcs12.toFixed(2)}x (target <= 1.1x)${judge(pkcs12 <= 1.1)}`);
  console.log(`@azure/identity vs tokenctl, one process ${peerRatio.toFixed(2)}x slower (target: tokenctl at least 2x faster)${judge(peerRatio >= 2)}`);

  // Many processes at once on an empty cache: tokenctl's profile lock and shared cache make one request.
  console.log(`\n${parallel} processes at once, each wanting a token (wall time for all; per process = wall / ${parallel}):`);
  const batch = async (label, args, env, before) => {
    await before?.();
    const requestsBefore = emulator.requests.length;
    const tokensBefore = tokenRequests();
    const started = process.hrtime.bigint();
    const results = await Promise.all(Array.from({ length: parallel }, () => run(args, env)));
    const wall = Number(process.hrtime.bigint() - started) / 1e6;
    const distinct = new Set(results.map((r) => r.stdout)).size;
    console.log(
      `${label.padEnd(40)} ${wall.toFixed(0).padStart(6)} ms wall ${(wall / parallel).toFixed(1).padStart(6)} ms/process   ` +
        `IdP requests ${String(emulator.requests.length - requestsBefore).padStart(3)} (token ${tokenRequests() - tokensBefore}), ${distinct} distinct token(s)`,
    );
    return wall;
  };
  const peerCase = cases.at(-1);
  const fleetWall = keyring
    ? await batch('tokenctl token -p (keychain, empty cache)', [bin, 'token', '-p', 'fleet'], profileEnv, () => run([bin, 'configure', '-p', 'fleet', '--no-validate'], profileEnv))
    : undefined;
  const peerWall = await batch('@azure/identity ClientSecretCredential', peerCase.args, peerCase.env);
  if (fleetWall) console.log(`@azure/identity takes ${(peerWall / fleetWall).toFixed(2)}x as long for the batch`);

  if (!smoke) {
    const missed = targets.filter((t) => !t.met).map((t) => t.name);
    console.log(missed.length ? `\nMISSED: ${missed.join('; ')}` : '\nevery target met');
  }
} finally {
  await keyring?.stop();
  await emulator.close();
  rmSync(work, { recursive: true, force: true });
}
