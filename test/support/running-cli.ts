import { spawn } from 'node:child_process';
import { BIN, type CliResult } from './cli.js';

export interface RunningCli {
  /** Resolves with the first match of `pattern` in stderr so far or to come; rejects if the process ends first. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  result: Promise<CliResult>;
  pid: number | undefined;
}

/** The built CLI as a child process that a test talks to while it runs (a login waiting for the user). */
export function startCli(args: string[], options: { env?: Record<string, string | undefined>; input?: string; timeoutMs?: number } = {}): RunningCli {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...options.env };
  const child = spawn(process.execPath, [BIN, ...args], {
    env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? 60_000,
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    for (const listener of listeners) listener();
  });
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
      for (const listener of listeners) listener();
    });
  });
  child.stdin.end(options.input ?? '');
  let ended = false;
  void result.then(() => (ended = true));
  return {
    pid: child.pid,
    result,
    waitForStderr: (pattern, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no ${pattern} on stderr within ${timeoutMs} ms; stderr so far:\n${stderr}`)), timeoutMs);
        const check = () => {
          const match = stderr.match(pattern);
          if (match) finish(undefined, match);
          else if (ended || child.exitCode !== null) finish(new Error(`the process ended without ${pattern} on stderr:\n${stderr}\nstdout:\n${stdout}`));
        };
        const finish = (error?: Error, match?: RegExpMatchArray) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve(match as RegExpMatchArray);
        };
        listeners.add(check);
        check();
      }),
  };
}
