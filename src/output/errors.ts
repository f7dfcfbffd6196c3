import type { ChalkInstance } from 'chalk';
import { CliError, Code, type ErrorDetails } from '../errors.js';
import { escapeControlKeepLines, jsonDocument } from '../escape.js';

export interface RenderedFailure {
  exitCode: number;
  text: string;
}

interface ErrorDocument extends ErrorDetails {
  code: string;
  message: string;
  hint?: string;
  exitCode: number;
  /** --json on a log: where this run sent a credential before it failed (see sent-to.ts). */
  sentTo?: string;
}

function describe(error: unknown): ErrorDocument {
  if (error instanceof CliError) {
    const details = Object.fromEntries(Object.entries(error.details).filter(([, value]) => value !== undefined));
    return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}), exitCode: error.exitCode, ...details };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: Code.INTERNAL.code,
    message: `internal error (this is a bug): ${message}`,
    hint: 'Please report it with the output of the same command run with --verbose.',
    exitCode: Code.INTERNAL.exitCode,
  };
}

function causeChain(error: unknown): string[] {
  const lines: string[] = [];
  let cause = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    lines.push(cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return lines;
}

/** Turns any thrown value into the stderr text and exit status of the process. */
export function renderFailure(error: unknown, options: { json: boolean; verbose: boolean; color: ChalkInstance; sentTo?: string | undefined }): RenderedFailure {
  const doc: ErrorDocument = { ...describe(error), ...(options.sentTo ? { sentTo: options.sentTo } : {}) };
  // Data keeps the server's characters (an Entra description's CR LF) as JSON escapes them; only the
  // text for a terminal below is escaped by tokenctl.
  if (options.json) return { exitCode: doc.exitCode, text: `${jsonDocument({ error: doc })}\n` };

  const c = options.color;
  // Messages quote servers, files and tokens: their control characters are shown, never obeyed.
  const lines = [`${c.red.bold('error')} ${escapeControlKeepLines(doc.message)}`];
  if (doc.hint) lines.push(`${c.cyan('hint')}  ${escapeControlKeepLines(doc.hint)}`);
  if (options.verbose) {
    for (const cause of causeChain(error)) lines.push(c.dim(`cause: ${cause}`));
    if (!(error instanceof CliError) && error instanceof Error && error.stack) lines.push(c.dim(error.stack));
  } else if (!(error instanceof CliError)) {
    lines.push(c.dim('Run again with --verbose to see the stack trace.'));
  }
  return { exitCode: doc.exitCode, text: `${lines.join('\n')}\n` };
}
