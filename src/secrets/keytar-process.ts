import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

/** The part of keytar tokenctl uses; tests inject a fake. */
export interface KeytarLike {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

/**
 * keytar in a child process that can be killed: for a bus tokenctl cannot reach through its own
 * relay (see dbus.ts, busEndpoint), libsecret's call runs there, and a call that misses the deadline
 * ends with the child instead of holding this process's exit forever. Requests and answers (the
 * secrets among them) go through the child's stdin and stdout, never its argv or environment.
 */
export interface KeytarProcess extends KeytarLike {
  /** Ends the child at once, whatever libsecret is doing; calls in flight fail. */
  kill(): void;
}

// Plain JavaScript run with `node -e`: argv[1] is keytar's resolved path. One JSON request a line
// in, one answer a line out. When stdin ends (this process is gone), it ends at once, SIGKILL
// included: a libsecret call stuck in a thread would make a normal exit wait for it.
const CHILD = String.raw`'use strict';
const send = (message) => process.stdout.write(JSON.stringify(message) + '\n');
const failure = (error) => ({ message: String((error && error.message) || error).split('\n')[0], code: error && error.code });
let keytar;
try {
  keytar = require(process.argv[1]);
  send({ loaded: true });
} catch (error) {
  send({ loaded: false, error: failure(error) });
}
let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
    const { id, method, args } = JSON.parse(pending.slice(0, end));
    pending = pending.slice(end + 1);
    Promise.resolve()
      .then(() => keytar[method](...args))
      .then((value) => send({ id, value }), (error) => send({ id, error: failure(error) }));
  }
});
process.stdin.on('end', () => process.kill(process.pid, 'SIGKILL'));
`;

/** What the child may see of the environment: the session it talks to, nothing else (no secret). */
const PASSED = /^(PATH|HOME|USER|LOGNAME|LANG|LANGUAGE|LC_[A-Z]+|DBUS_SESSION_BUS_ADDRESS|XDG_[A-Z_]+)$/;
const DESKTOP = /^(DISPLAY|WAYLAND_DISPLAY|XAUTHORITY)$/;

export function keytarProcessEnvironment(env: Record<string, string | undefined>, mayPrompt: boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && (PASSED.test(entry[0]) || (mayPrompt && DESKTOP.test(entry[0])))));
}

interface Answer {
  id?: number;
  loaded?: boolean;
  value?: unknown;
  error?: { message: string; code?: string };
}

const asError = ({ message, code }: { message: string; code?: string }) => Object.assign(new Error(message), code === undefined ? {} : { code });

/** Starts the child; settles when keytar has loaded in it (or failed to: the error keeps keytar's code). */
export function startKeytarProcess(env: Record<string, string>): Promise<KeytarProcess> {
  let keytarPath: string;
  try {
    keytarPath = createRequire(import.meta.url).resolve('keytar');
  } catch (error) {
    return Promise.reject(error as Error);
  }
  const child = spawn(process.execPath, ['-e', CHILD, keytarPath], { stdio: ['pipe', 'pipe', 'ignore'], env });
  const stdin = child.stdin as unknown as Socket;
  const stdout = child.stdout as unknown as Socket;
  const calls = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let serial = 0;
  let ended: Error | undefined;
  let loaded: { resolve: () => void; reject: (error: Error) => void } | undefined;
  // Nothing here keeps this process alive, except a call waiting for its answer.
  child.unref();
  stdin.unref();
  const busy = () => (calls.size > 0 || loaded ? stdout.ref() : stdout.unref());

  const end = (error: Error) => {
    if (ended) return;
    ended = error;
    loaded?.reject(error);
    loaded = undefined;
    for (const call of calls.values()) call.reject(error);
    calls.clear();
    busy();
  };
  child.on('error', end);
  child.on('exit', (code, signal) => end(new Error(`the keychain's helper process ended (${signal ?? `exit code ${code}`})`)));
  stdin.on('error', () => {}); // EPIPE once the child is gone: reported by 'exit'

  let buffered = '';
  stdout.setEncoding('utf8');
  stdout.on('data', (chunk: string) => {
    buffered += chunk;
    for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      let answer: Answer;
      try {
        answer = JSON.parse(line) as Answer;
      } catch {
        continue; // not ours: a native library writing to stdout
      }
      if (answer.loaded !== undefined) {
        if (answer.loaded) loaded?.resolve();
        else loaded?.reject(asError(answer.error ?? { message: 'keytar did not load' }));
        loaded = undefined;
      } else if (answer.id !== undefined) {
        const call = calls.get(answer.id);
        calls.delete(answer.id);
        if (answer.error) call?.reject(asError(answer.error));
        else call?.resolve(answer.value);
      }
      busy();
    }
  });

  const request = <T>(method: keyof KeytarLike, args: string[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (ended) return reject(ended);
      const id = ++serial;
      calls.set(id, { resolve: resolve as (value: unknown) => void, reject });
      busy();
      stdin.write(`${JSON.stringify({ id, method, args })}\n`);
    });

  const keytar: KeytarProcess = {
    getPassword: (service, account) => request('getPassword', [service, account]),
    setPassword: (service, account, password) => request('setPassword', [service, account, password]),
    deletePassword: (service, account) => request('deletePassword', [service, account]),
    kill: () => {
      child.kill('SIGKILL');
      end(new Error('the keychain call was abandoned'));
    },
  };
  return new Promise<KeytarProcess>((resolve, reject) => {
    loaded = { resolve: () => resolve(keytar), reject };
    busy();
  });
}
