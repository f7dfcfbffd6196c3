declare const __TOKENCTL_VERSION__: string;

/** Injected at build time from package.json (see scripts/build.mjs and vitest.config.ts). */
export const VERSION: string = __TOKENCTL_VERSION__;
export const USER_AGENT = `tokenctl/${VERSION} (node ${process.versions.node}; ${process.platform})`;
