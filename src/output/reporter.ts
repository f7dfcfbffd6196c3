import type { Reporter } from '../oauth/reporter.js';
import { warn, type GlobalOptions, type Io } from './io.js';
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
      if (mode.verbose) io.stderr.write(io.stderr.color.dim(`${message}\n`));
    },
    trace: (event) => {
      if (formatTrace) io.stderr.write(formatTrace(event, io.stderr.color, (text) => io.scrubber.scrub(text)));
    },
    conceal: (secret, clientId) => io.scrubber.add(secret, clientId),
    // Logs only: on a terminal the user sees the prompt and the spinner, and --json keeps stderr to the one error object.
    sending: (destination) => {
      if (io.stderr.isTTY || mode.json || announced.has(destination)) return;
      announced.add(destination);
      io.stderr.write(`tokenctl: sending ${destination}\n`);
    },
    progress: (text) => startSpinner(io, text, mode),
  };
}
