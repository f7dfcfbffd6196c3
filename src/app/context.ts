import type { StoreKind } from '../choices.js';
import type { Reporter } from '../oauth/reporter.js';
import type { ConfigLayout } from '../profiles/paths.js';
import type { SecretStore } from '../secrets/store.js';

/**
 * The edges a flow touches, passed in by the command (or a test): environment, clock, where the files
 * are, which secret store to open, how to read a secret and how to tell the user. Files and the
 * network are used directly; tests point them at temporary directories and loopback servers.
 */
export interface AppContext {
  env: Record<string, string | undefined>;
  /** The directory relative paths given on this run are resolved against. */
  cwd: string;
  now(): Date;
  /** When this command started (its process, for the CLI): a removal that finished after it raced with it. Default: now. */
  startedAt?: Date;
  layout: ConfigLayout;
  reporter: Reporter;
  /** All of stdin, or a masked prompt when stdin is a terminal. */
  readSecret(label: string): Promise<string>;
  /** The secret store of this kind (opened lazily: nothing is asked of the keychain until it is used). */
  openStore(kind: StoreKind): Promise<SecretStore>;
}
