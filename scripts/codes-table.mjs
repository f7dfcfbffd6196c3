// Prints the README's error-code table from src/codes.ts: node scripts/codes-table.mjs
import { build } from 'esbuild';

const result = await build({ entryPoints: ['src/codes.ts'], bundle: true, format: 'esm', write: false, logLevel: 'error' });
const { Code } = await import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString('base64')}`);
for (const entry of Object.values(Code)) console.log(`| \`${entry.code}\` | ${entry.exitCode} | ${entry.meaning} |`);
