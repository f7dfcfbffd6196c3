import type { TraceEvent } from './engine.js';

/**
 * How the layers below the commands tell the user what is happening, without knowing about terminals,
 * colour or --json: the command passes one in (output/reporter.ts renders it on stderr).
 */
export interface Reporter {
  /** Something may be wrong, but the command goes on. */
  warn(message: string): void;
  /** A warning shown only with --verbose: likely a problem, but not one every run should repeat. */
  verboseWarn(message: string): void;
  /** A --verbose line: what was decided, and why. */
  detail(message: string): void;
  /** One engine event for the --verbose trace. */
  trace(event: TraceEvent): void;
  /** Remembers a secret read on this run (with the client ID it goes with), so nothing printed afterwards shows it. */
  conceal(secret: string, clientId?: string): void;
  /** The length of the longest concealed secret that occurs (in any form) in `text`; undefined when none does. */
  secretIn(text: string): number | undefined;
  /** The token about to be handed out: printed as is, never scrubbed (see tokenIssue in app/token). */
  handOut(token: string): void;
  /** A credential is about to be sent: `destination` says what and to whom (a pipeline's log keeps it). */
  sending(destination: string): void;
  /** Shown while waiting for the network; returns the function that ends it. */
  progress(text: string): () => void;
}

/** Says nothing: for flows run where nobody is watching (tests, probes). */
export const SILENT_REPORTER: Reporter = {
  warn: () => {},
  verboseWarn: () => {},
  detail: () => {},
  trace: () => {},
  conceal: () => {},
  secretIn: () => undefined,
  handOut: () => {},
  sending: () => {},
  progress: () => () => {},
};
