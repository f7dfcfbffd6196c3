import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Never answer: the connection stays open until the server closes. */
  hang?: boolean;
  /** Runs when this response is served, before it is sent. */
  onServe?: () => void;
}

export interface ScriptedServer {
  url: string;
  requests: Array<{ method: string; path: string; headers: IncomingMessage['headers']; body: string }>;
  close(): Promise<void>;
}

const TOKEN_BODY = JSON.stringify({ token_type: 'Bearer', expires_in: 3600, access_token: 'scripted-access-token' });

/** A plain-http loopback server that answers requests with a script, then with a token. */
export async function startScriptedServer(script: ScriptedResponse[]): Promise<ScriptedServer> {
  const queue = [...script];
  const requests: ScriptedServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      const next = queue.shift() ?? { status: 200, headers: { 'content-type': 'application/json' }, body: TOKEN_BODY };
      next.onServe?.();
      if (next.hang) return;
      res.writeHead(next.status ?? 200, next.headers ?? {}).end(next.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
