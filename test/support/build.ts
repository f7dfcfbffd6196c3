import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Integration tests run the built CLI, so build it once before any test file runs. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: 'inherit' });
}
