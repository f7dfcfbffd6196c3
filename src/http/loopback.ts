import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Code, NetworkError, UsageError } from '../errors.js';

export interface LoopbackOptions {
  /** 0 for an ephemeral port; a fixed one when the server wants the exact registered URI. */
  port: number;
  /** The host name in the redirect URI; the listener itself is always bound to 127.0.0.1. */
  host: '127.0.0.1' | 'localhost';
  /** Shown in the browser once the sign-in has a verdict: the failure page gets the reason. */
  pages: { success: string; failure: (message: string) => string };
}

/** One callback, held open until the sign-in has a verdict for the browser. */
export interface LoopbackCallback {
  /** The URL the browser was redirected to. */
  url: URL;
  /**
   * Answers the browser: the success page, or the failure page with `message` (escaped). Only the
   * first answer counts; a callback never answered gets the failure page when the listener closes.
   */
  answer(outcome: { ok: true } | { ok: false; message: string }): void;
}

export interface LoopbackListener {
  redirectUri: string;
  /** The first callback. Rejects when `signal` aborts. */
  callback(signal: AbortSignal): Promise<LoopbackCallback>;
  /** Stops listening; a callback not yet answered gets the failure page. */
  close(): Promise<void>;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // The page runs nothing and loads nothing, and no other site may frame it.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Said when the sign-in ended before it had a verdict (an error in tokenctl, or the listener closed). */
const UNFINISHED = 'the sign-in did not complete';

/**
 * The loopback redirect of a native app (RFC 8252 §7.3): bound to 127.0.0.1 only, it takes exactly
 * one callback on its path and stops listening. The browser's request is held until the sign-in has
 * a verdict (state checked, code exchanged), so the page never says "signed in" for a sign-in that
 * failed. Requests to other paths, or naming another Host (DNS rebinding), get a 404 and change nothing.
 */
export async function startLoopbackListener(options: LoopbackOptions): Promise<LoopbackListener> {
  let resolveCallback: (url: URL) => void = () => {};
  const arrived = new Promise<URL>((resolve) => (resolveCallback = resolve));
  let done = false;
  let port = 0;
  let pending: ServerResponse | undefined;

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const hostOk = request.headers.host === `${options.host}:${port}` || request.headers.host === `127.0.0.1:${port}`;
    const url = new URL(request.url ?? '/', `http://${options.host}:${port}`);
    const isCallback = hostOk && request.method === 'GET' && url.pathname === '/' && (url.searchParams.has('code') || url.searchParams.has('error'));
    if (done || !isCallback) {
      response.writeHead(404, PAGE_HEADERS).end();
      return;
    }
    done = true;
    pending = response;
    // No other connection is taken; this one waits for the verdict.
    server.close();
    resolveCallback(url);
  });
  server.keepAliveTimeout = 1000;

  try {
    port = await listen(server, options.port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new UsageError(Code.REDIRECT_PORT_IN_USE, `cannot listen on 127.0.0.1:${options.port} for the sign-in redirect: ${code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}`, {
        hint: 'Stop whatever uses the port (another login?), or register another redirect port and pass it with --redirect-port.',
        cause: error,
      });
    }
    throw new NetworkError(Code.LOOPBACK_FAILED, `cannot listen on 127.0.0.1 for the sign-in redirect: ${(error as Error).message}`, { cause: error });
  }

  const answer = (outcome: { ok: true } | { ok: false; message: string }) => {
    const response = pending;
    pending = undefined;
    if (!response) return;
    response.writeHead(200, { ...PAGE_HEADERS, connection: 'close' }).end(outcome.ok ? options.pages.success : options.pages.failure(outcome.message));
    // The page has been sent: the browser may hold the connection open, and it can go.
    setTimeout(() => server.closeAllConnections(), 200).unref();
  };

  const close = () =>
    new Promise<void>((resolve) => {
      answer({ ok: false, message: UNFINISHED });
      server.closeIdleConnections();
      if (!server.listening) return resolve();
      server.close(() => resolve());
      setTimeout(() => server.closeAllConnections(), 200).unref();
    });

  return {
    redirectUri: `http://${options.host}:${port}/`,
    callback: (signal) =>
      new Promise<LoopbackCallback>((resolve, reject) => {
        const abort = () => reject(signal.reason);
        if (signal.aborted) return abort();
        signal.addEventListener('abort', abort, { once: true });
        void arrived.then((url) => {
          signal.removeEventListener('abort', abort);
          resolve({ url, answer });
        });
      }),
    close,
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><style>body{font:16px system-ui,sans-serif;margin:15vh auto;max-width:32em;text-align:center}</style></head><body><h1>${title}</h1><p>${body}</p></body></html>`;

/** What the browser shows: the reason of a failure escaped and short; the caller keeps codes and tokens out of it. */
export const SIGN_IN_PAGES: LoopbackOptions['pages'] = {
  success: page('Signed in to tokenctl', 'You can close this tab and go back to the terminal.'),
  failure: (message) => page('Sign-in failed', `tokenctl: ${escapeHtml(message.slice(0, 300))}. Go back to the terminal for what to do next.`),
};
