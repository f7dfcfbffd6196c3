import { escapeControlKeepLines } from '../escape.js';
import type { Reporter } from '../oauth/reporter.js';
import { warn, type GlobalOptions, type Io } from './io.js';
import { recordSentTo } from './sent-to.js';
import { startSpinner } from './spinner.js';

/**
 * The reporter commands pass to flows: warnings always, details and traces with --verbose, all on
 * stderr. The trace formatter is loaded only with --verbose: every other run starts without it.
 */
export async function terminalReporter(io: Io, mode: Pick<GlobalOptions, 'verbose' | 'json'>): Promise<Reporter> {
  const formatTrace = mode.verbose ? (await import('./trace.js')).formatTrace : undefined;
  // Once per destination and run: a device sign-in polls the same endpoint many times.
  const announced = new Set<string>();
  return {
    warn: (message) => warn(io, message),
    verboseWarn: (message) => {
      if (mode.verbose) warn(io, message);
    },
    detail: (message) => {
      // Details quote servers (request IDs) and profiles: shown, never obeyed.
      if (mode.verbose) io.stderr.write(io.stderr.color.dim(`${escapeControlKeepLines(message)}\n`));
    },
    trace: (event) => {
      if (formatTrace) io.stderr.write(formatTrace(event, io.stderr.color, (text) => io.scrubber.scrub(text)));
    },
    conceal: (secret, clientId) => io.scrubber.add(secret, clientId),
    secretIn: (text) => io.scrubber.find(text),
    handOut: (token) => io.scrubber.keep(token),
    // Logs only: on a terminal the user sees the prompt and the spinner. With --json, stderr stays
    // JSON: the destination is written when the run ends, in the error document or a line of its own.
    sending: (destination) => {
      if (io.stderr.isTTY || announced.has(destination)) return;
      announced.add(destination);
      if (mode.json) recordSentTo(io, destination);
      else io.stderr.write(`tokenctl: sending ${destination}\n`);
    },
    progress: (text) => startSpinner(io, text, mode),
  };
}
