// Overhead of one `tokenctl token` call over a bare `curl` of the same client-credentials request,
// against a token endpoint on loopback (plain http, and https with a CA made here).
// Usage: node bench/token-overhead.mjs [runs]   (build first: npm run build; needs curl)
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import forge from 'node-forge';

const runs = Number(process.argv[2] ?? 30);
const bin = fileURLToPath(new URL('../bin/tokenctl.js', import.meta.url));
const body = JSON.stringify({ token_type: 'Bearer', expires_in: 3600, access_token: `eyJhbGciOiJub25lIn0.${Buffer.from('{"sub":"bench"}').toString('base64url')}.` });
let requests = 0;
const handler = (req, res) => {
  req.resume();
  req.on('end', () => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
};

function selfSignedLocalhost(dir) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  const key = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  const name = [{ name: 'commonName', value: 'tokenctl bench' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([{ name: 'basicConstraints', cA: true }, { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }]);
  cert.sign(key, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  writeFileSync(join(dir, 'ca.pem'), certPem);
  return { key: keyPem, cert: certPem, caFile: join(dir, 'ca.pem') };
}

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

function timed(command, args, env) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0 || !out.includes('eyJ')) reject(new Error(`${command} ${args.join(' ')} failed (${code}): ${err}`));
      else resolve(ms);
    });
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const dir = mkdtempSync(join(tmpdir(), 'tokenctl-bench-'));
const tls = selfSignedLocalhost(dir);
const httpPort = await listen(createHttpServer(handler));
const httpsPort = await listen(createHttpsServer({ key: tls.key, cert: tls.cert }, handler));
const env = { TOKENCTL_CLIENT_SECRET: 'bench-secret', NO_COLOR: '1' };

const scenarios = [
  ['http', `http://127.0.0.1:${httpPort}/token`, [], []],
  ['https', `https://127.0.0.1:${httpsPort}/token`, ['--cacert', tls.caFile], ['--ca-file', tls.caFile]],
];

console.log(`node ${process.version}, ${runs} runs each, median wall time of one token request\n`);
console.log(`${'transport'.padEnd(10)} ${'curl ms'.padStart(9)} ${'tokenctl ms'.padStart(12)} ${'overhead ms'.padStart(12)} ${'ratio'.padStart(7)}`);
for (const [name, url, curlTls, tokenctlTls] of scenarios) {
  const curlArgs = ['-sS', '--fail', '-X', 'POST', '-u', 'svc:bench-secret', '-H', 'Accept: application/json', '--data-urlencode', 'grant_type=client_credentials', ...curlTls, url];
  const tokenctlArgs = [bin, 'token', '--token-url', url, '--client-id', 'svc', ...tokenctlTls];
  const samples = { curl: [], tokenctl: [] };
  await timed('curl', curlArgs, env);
  await timed(process.execPath, tokenctlArgs, env);
  for (let i = 0; i < runs; i++) {
    samples.curl.push(await timed('curl', curlArgs, env));
    samples.tokenctl.push(await timed(process.execPath, tokenctlArgs, env));
  }
  const curl = median(samples.curl);
  const tokenctl = median(samples.tokenctl);
  console.log(`${name.padEnd(10)} ${curl.toFixed(1).padStart(9)} ${tokenctl.toFixed(1).padStart(12)} ${(tokenctl - curl).toFixed(1).padStart(12)} ${`${(tokenctl / curl).toFixed(1)}x`.padStart(7)}`);
}
console.log(`\n${requests} token requests served.`);
process.exit(0);
