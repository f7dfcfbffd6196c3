// Start-up cost of the CLI's cheapest paths against bare Node: median wall time over many runs,
// and peak RSS. Targets (issue 2): decode <= 1.5x `node -e 0`, peak RSS < 60 MB.
// Usage: node bench/startup.mjs [runs]   (build first: npm run build)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 40);
const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = `${repo}bin/tokenctl.js`;
const token = readFileSync(`${repo}examples/entra-access-token.txt`, 'utf8').replace(/\s/g, '');
const env = { ...process.env, NO_COLOR: '1' };

const cases = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'tokenctl --version', args: [bin, '--version'] },
  { name: 'tokenctl decode', args: [bin, 'decode', token] },
  { name: 'tokenctl decode --json', args: [bin, '--json', 'decode', token] },
];

// Reports the child's own peak RSS at exit, without a wrapper process that would count itself.
const rssProbe = 'data:text/javascript,process.on("exit",()=>process.stderr.write("maxrss_kb="+process.resourceUsage().maxRSS+"\\n"))';

function runOnce(args) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

function peakRssMb(args) {
  const result = spawnSync(process.execPath, ['--import', rssProbe, ...args], { env, encoding: 'utf8' });
  const match = /maxrss_kb=(\d+)/.exec(result.stderr);
  return match ? Number(match[1]) / 1024 : NaN;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// Interleave the cases so drift in machine load hits them all alike.
const samples = new Map(cases.map((c) => [c.name, []]));
for (const c of cases) runOnce(c.args); // warm the file cache
for (let i = 0; i < runs; i++) for (const c of cases) samples.get(c.name).push(runOnce(c.args));

const baseline = median(samples.get('node -e 0'));
console.log(`node ${process.version}, ${runs} runs each, median wall time\n`);
console.log(`${'case'.padEnd(24)} ${'median ms'.padStart(10)} ${'ratio'.padStart(7)} ${'peak RSS MB'.padStart(12)}`);
const results = {};
for (const c of cases) {
  const ms = median(samples.get(c.name));
  const rss = peakRssMb(c.args);
  results[c.name] = { ms, ratio: ms / baseline, rss };
  console.log(`${c.name.padEnd(24)} ${ms.toFixed(1).padStart(10)} ${`${(ms / baseline).toFixed(2)}x`.padStart(7)} ${rss.toFixed(1).padStart(12)}`);
}
const decode = results['tokenctl decode'];
console.log(`\ndecode start-up ratio ${decode.ratio.toFixed(2)}x (target <= 1.5x): ${decode.ratio <= 1.5 ? 'met' : 'MISSED'}`);
console.log(`decode peak RSS ${decode.rss.toFixed(1)} MB (target < 60 MB): ${decode.rss < 60 ? 'met' : 'MISSED'}`);
