import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Code, NetworkError, UsageError } from '../errors.js';

export interface LoopbackOptions {
  /** 0 for an ephemeral port; a fixed one when the server wants the exact registered URI. */
  port: number;
  /** The host name in the redirect URI; the listener itself is always bound to 127.0.0.1. */
  host: '127.0.0.1' | 'localhost';
  /** Shown in the browser once the callback has arrived. */
  pages: { success: string; failure: (error: string) => string };
}

export interface LoopbackListener {
  redirectUri: string;
  /** The first callback: the URL the browser was redirected to. Rejects when `signal` aborts. */
  callback(signal: AbortSignal): Promise<URL>;
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

/**
 * The loopback redirect of a native app (RFC 8252 §7.3): bound to 127.0.0.1 only, it takes exactly
 * one callback on its path, answers it with a short page, and stops listening. Requests to other
 * paths, or naming another Host (DNS rebinding), get a 404 and change nothing.
 */
export async function startLoopbackListener(options: LoopbackOptions): Promise<LoopbackListener> {
  let resolveCallback: (url: URL) => void = () => {};
  const arrived = new Promise<URL>((resolve) => (resolveCallback = resolve));
  let done = false;
  let port = 0;

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const hostOk = request.headers.host === `${options.host}:${port}` || request.headers.host === `127.0.0.1:${port}`;
    const url = new URL(request.url ?? '/', `http://${options.host}:${port}`);
    const isCallback = hostOk && request.method === 'GET' && url.pathname === '/' && (url.searchParams.has('code') || url.searchParams.has('error'));
    if (done || !isCallback) {
      response.writeHead(404, PAGE_HEADERS).end(done ? options.pages.success : '');
      return;
    }
    done = true;
    const error = url.searchParams.get('error');
    response.writeHead(200, { ...PAGE_HEADERS, connection: 'close' }).end(error === null ? options.pages.success : options.pages.failure(error));
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

  const close = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeIdleConnections();
      // The browser may hold a connection open; the page has been sent, so it can go.
      setTimeout(() => server.closeAllConnections(), 200).unref();
    });

  return {
    redirectUri: `http://${options.host}:${port}/`,
    callback: (signal) =>
      new Promise<URL>((resolve, reject) => {
        const abort = () => reject(signal.reason);
        if (signal.aborted) return abort();
        signal.addEventListener('abort', abort, { once: true });
        void arrived.then(async (url) => {
          signal.removeEventListener('abort', abort);
          await close();
          resolve(url);
        });
      }),
    close,
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><style>body{font:16px system-ui,sans-serif;margin:15vh auto;max-width:32em;text-align:center}</style></head><body><h1>${title}</h1><p>${body}</p></body></html>`;

/** What the browser shows; it never echoes the code, and escapes what it does echo. */
export const SIGN_IN_PAGES: LoopbackOptions['pages'] = {
  success: page('Signed in to tokenctl', 'You can close this tab and go back to the terminal.'),
  failure: (error) => page('Sign-in failed', `The server said: ${escapeHtml(error.slice(0, 200))}. Go back to the terminal for what to do next.`),
};
