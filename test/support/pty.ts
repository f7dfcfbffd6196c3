// Drives the built `tokenctl` through a real pseudo-terminal, as a person at a terminal would: the
// test waits for text on the screen, then types. There is no node-pty here; test/support/pty-driver.py
// (python3's standard library pty module) gives the command a pty of a fixed size and relays bytes.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { BIN } from './cli.js';
import { findExecutable } from './keyring.js';

const DRIVER = fileURLToPath(new URL('./pty-driver.py', import.meta.url));

/** Keystrokes as a terminal sends them (the CLI's prompts put the terminal in raw mode). */
export const KEYS = {
  enter: '\r',
  up: '\x1b[A',
  down: '\x1b[B',
  backspace: '\x7f',
  /** readline: delete from the cursor to the start of the line. */
  ctrlU: '\x15',
  ctrlC: '\x03',
} as const;

export interface PtyExit {
  /** The exit status, or null when a signal ended the command. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Everything the terminal showed, ANSI codes stripped. */
  transcript: string;
  /** The same with the escape sequences, as the terminal received it. */
  raw: string;
}

export interface PtyOptions {
  env?: Record<string, string | undefined>;
  cols?: number;
  rows?: number;
  /** The whole session: past it the command is killed and every pending wait fails. Default 15 s. */
  timeoutMs?: number;
  /** A single wait for screen text. Default 8 s. */
  waitMs?: number;
}

export interface PtySession {
  /** The pid of tokenctl itself (not of the driver), once it has started. */
  readonly pid: Promise<number>;
  /** Everything shown so far, ANSI codes stripped. */
  transcript(): string;
  /**
   * Waits until the text shown since the last match (ANSI codes stripped) matches, then moves past
   * the match. Fails with the transcript when the time is up or the command ends first.
   */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Types, exactly these bytes. */
  type(keys: string): void;
  /** waitFor(prompt), then types the text and Enter. */
  answer(prompt: RegExp | string, text: string): Promise<void>;
  /** Moves a select prompt's cursor down until the highlighted choice matches, then presses Enter. */
  choose(choice: RegExp | string): Promise<void>;
  /** Waits for the command to end (within the session's time limit). */
  exit(): Promise<PtyExit>;
  /** SIGKILLs the command (the driver kills its whole process group). */
  kill(): void;
}

export function ptyAvailable(): { ok: true } | { ok: false; reason: string } {
  if (process.platform === 'win32') return { ok: false, reason: 'pseudo-terminals need a POSIX system' };
  if (!findExecutable('python3')) return { ok: false, reason: 'python3 is not on PATH (apt-get install -y python3)' };
  return { ok: true };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Without g and y: exec must search from the start of the text it is given, every time.
const toRegExp = (pattern: RegExp | string) => (typeof pattern === 'string' ? new RegExp(escapeRegExp(pattern)) : new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')));

/** The raw output without a trailing escape sequence that has not fully arrived yet. */
function complete(raw: string): string {
  const esc = raw.lastIndexOf('\x1b');
  if (esc === -1) return raw;
  // CSI: ESC [ params final-byte; anything else is ESC plus one character.
  const tail = raw.slice(esc);
  const done = tail.startsWith('\x1b[') ? /^[0-?]*[ -/]*[@-~]/.test(tail.slice(2)) : tail.length >= 2;
  return done ? raw : raw.slice(0, esc);
}

/** Runs `node bin/tokenctl.js ARGS` on a pseudo-terminal (TERM=xterm-256color, 120x40 by default). */
export function spawnPty(args: string[], options: PtyOptions = {}): PtySession {
  const cols = options.cols ?? 120;
  const rows = options.rows ?? 40;
  const waitMs = options.waitMs ?? 8_000;
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm-256color', COLUMNS: undefined, LINES: undefined, ...options.env };
  const child = spawn('python3', [DRIVER, String(cols), String(rows), process.execPath, BIN, ...args], {
    env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });

  let raw = '';
  let cursor = 0; // in the stripped transcript: where the next waitFor starts looking
  let driverErr = '';
  let ended: PtyExit | undefined;
  let failure: Error | undefined;
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());
  const transcript = () => stripVTControlCharacters(complete(raw));

  let resolvePid: (pid: number) => void = () => undefined;
  let rejectPid: (error: Error) => void = () => undefined;
  const pid = new Promise<number>((resolve, reject) => {
    resolvePid = resolve;
    rejectPid = reject;
  });
  pid.catch(() => undefined);

  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    raw += chunk;
    notify();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    driverErr += chunk;
    const started = /^\{"pid": (\d+)\}$/m.exec(driverErr);
    if (started) resolvePid(Number(started[1]));
  });
  child.stdin.on('error', () => undefined); // EPIPE once the driver is gone

  const sessionMs = options.timeoutMs ?? 15_000;
  let resolveFinished: (result: PtyExit) => void = () => undefined;
  const finished = new Promise<PtyExit>((resolve) => (resolveFinished = resolve));
  const finish = (code: number | null, signal: NodeJS.Signals | null) => {
    if (ended) return;
    clearTimeout(deadline);
    clearTimeout(backstop);
    ended = { code, signal, transcript: transcript(), raw };
    notify();
    resolveFinished(ended);
  };
  child.on('error', (error) => {
    failure ??= new Error(`cannot run the pty driver (python3 ${DRIVER}): ${error.message}`);
    rejectPid(failure);
    finish(null, null);
  });
  child.on('close', (driverCode, driverSignal) => {
    const status = /^\{"exit": (null|\d+), "signal": (null|\d+)\}$/m.exec(driverErr);
    if (!status) {
      failure ??= new Error(`the pty driver failed (${driverSignal ?? `exit ${driverCode}`}): ${driverErr.trim()}`);
      rejectPid(failure);
      finish(null, null);
      return;
    }
    const signalNumber = status[2] === 'null' ? undefined : Number(status[2]);
    const signalName = Object.entries(constants.signals).find(([, n]) => n === signalNumber)?.[0] as NodeJS.Signals | undefined;
    finish(status[1] === 'null' ? null : Number(status[1]), signalName ?? null);
  });

  let backstop: NodeJS.Timeout | undefined;
  const deadline = setTimeout(() => {
    failure ??= new Error(`the command did not finish within ${sessionMs} ms: tokenctl ${args.join(' ')}`);
    child.kill('SIGTERM'); // the driver SIGKILLs the command's process group, then reports
    backstop = setTimeout(() => child.kill('SIGKILL'), 2_000); // a driver that is stuck itself
  }, sessionMs);

  /** Resolves with check's first defined result on the transcript; fails with the transcript. */
  function waitUntil<T>(check: (text: string) => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = () => {
        const text = transcript();
        const result = check(text);
        if (result !== undefined) {
          done();
          resolve(result);
        } else if (failure || ended) {
          done();
          const why = failure ? failure.message : `the command ended (${ended?.signal ?? `exit ${ended?.code}`}) before it showed ${what}`;
          reject(new Error(`${why}\n--- terminal since the last match ---\n${text.slice(cursor)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`nothing matching ${what} appeared within ${timeoutMs} ms\n--- terminal since the last match ---\n${transcript().slice(cursor)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(run);
      };
      listeners.add(run);
      run();
    });
  }

  /** The line of the highlighted choice in the last rendering of a select prompt, and where it starts. */
  const highlightedChoice = (text: string): { at: number; line: string } | undefined => {
    const at = text.lastIndexOf('\u276f'); // ❯, @inquirer/core's pointer on a unicode terminal
    if (at < cursor) return undefined;
    const end = text.slice(at).search(/[\r\n]/);
    return end === -1 ? undefined : { at, line: text.slice(at + 1, at + end).trim() };
  };

  const session: PtySession = {
    pid,
    transcript,
    waitFor(pattern, timeoutMs = waitMs) {
      const regex = toRegExp(pattern);
      return waitUntil(
        (text) => {
          const match = regex.exec(text.slice(cursor)) ?? undefined;
          if (match) cursor += match.index + match[0].length;
          return match;
        },
        String(regex),
        timeoutMs,
      );
    },
    type(keys) {
      child.stdin.write(keys);
    },
    async answer(prompt, text) {
      await session.waitFor(prompt);
      session.type(text);
      session.type(KEYS.enter);
    },
    async choose(choice) {
      const wanted = toRegExp(choice);
      let previous = -1;
      for (let moves = 0; moves <= 10; moves++) {
        // A new rendering of the choices, with a complete highlighted line.
        const current = await waitUntil((text) => {
          const found = highlightedChoice(text);
          return found && found.at > previous ? found : undefined;
        }, `a highlighted choice (looking for ${wanted})`, waitMs);
        if (wanted.test(current.line)) {
          cursor = current.at + 1;
          session.type(KEYS.enter);
          return;
        }
        previous = current.at;
        session.type(KEYS.down);
      }
      throw new Error(`no choice matching ${wanted} after 10 moves\n--- terminal ---\n${transcript().slice(cursor)}`);
    },
    exit() {
      return finished.then((result) => {
        if (failure) throw new Error(`${failure.message}\n--- terminal ---\n${result.transcript}`, { cause: failure });
        return result;
      });
    },
    kill() {
      if (!ended) child.kill('SIGTERM');
    },
  };
  return session;
}
