// What every bundle of src/ needs, for the CLI build and for scripts that run src/ directly.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

export const sourceBundleOptions = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // keytar is a native addon and an optional dependency: it is loaded at run time or not at all.
  external: ['keytar'],
  define: { __TOKENCTL_VERSION__: JSON.stringify(pkg.version) },
  // Bundled CommonJS dependencies call require() for Node built-ins.
  banner: { js: "import { createRequire as __tokenctlCreateRequire } from 'node:module'; const require = __tokenctlCreateRequire(import.meta.url);" },
  logLevel: 'warning',
};
