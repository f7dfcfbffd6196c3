import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, isIP, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** A forward proxy on 127.0.0.1 that only reaches loopback targets, so a test can never leak traffic. */
export interface TestProxy {
  /** http://127.0.0.1:PORT, for HTTPS_PROXY / HTTP_PROXY / --proxy. */
  url: string;
  /** `host:port` of every CONNECT tunnel opened. */
  connects: string[];
  /** Absolute URL of every plain-HTTP request forwarded. */
  forwards: string[];
  /** Targets refused with 403 because they are not loopback. */
  refused: string[];
  close(): Promise<void>;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** Splits CONNECT's authority-form target, `host:port` or `[v6]:port`. */
function parseAuthority(target: string): { host: string; port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(target);
  return match ? { host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) } : undefined;
}

/** A proxy that wants credentials answers 407 until Proxy-Authorization carries them. */
function authorized(req: IncomingMessage, credentials: string | undefined): boolean {
  return credentials === undefined || req.headers['proxy-authorization'] === `Basic ${Buffer.from(credentials).toString('base64')}`;
}

const PROXY_AUTH_REQUIRED = 'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp-proxy"\r\nContent-Length: 0\r\n\r\n';

function tunnel(proxy: TestProxy, req: IncomingMessage, client: Duplex, head: Buffer, sockets: Set<Duplex>, credentials: string | undefined): void {
  const target = req.url ?? '';
  if (!authorized(req, credentials)) {
    proxy.refused.push(target);
    client.end(PROXY_AUTH_REQUIRED);
    return;
  }
  const authority = parseAuthority(target);
  if (!authority || !isLoopback(authority.host)) {
    proxy.refused.push(target);
    client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  proxy.connects.push(target);
  const upstream: Socket = connect(authority.port, authority.host, () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  sockets.add(upstream);
  upstream.on('close', () => sockets.delete(upstream));
  upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'));
  client.on('error', () => upstream.destroy());
  client.on('close', () => upstream.destroy());
}

function forward(proxy: TestProxy, req: IncomingMessage, res: ServerResponse, credentials: string | undefined): void {
  if (!authorized(req, credentials)) {
    res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="corp-proxy"' }).end();
    return;
  }
  const target = URL.canParse(req.url ?? '') ? new URL(req.url!) : undefined;
  if (target?.protocol !== 'http:') {
    res.writeHead(400).end('absolute-form http:// request expected');
    return;
  }
  if (!isLoopback(target.hostname)) {
    proxy.refused.push(target.href);
    res.writeHead(403).end();
    return;
  }
  proxy.forwards.push(target.href);
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !HOP_BY_HOP.includes(name)));
  const upstream = httpRequest(
    { host: target.hostname.replace(/^\[|\]$/g, ''), port: target.port || 80, method: req.method, path: target.pathname + target.search, headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
  req.pipe(upstream);
}

/** Starts the proxy on 127.0.0.1 with a random port; with `credentials` ("user:pass") it demands them (407). */
export async function startProxy(options: { credentials?: string } = {}): Promise<TestProxy> {
  const server = createServer();
  // Tunnels leave the HTTP server's bookkeeping once established, so they are tracked here.
  const sockets = new Set<Duplex>();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const proxy: TestProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connects: [],
    forwards: [],
    refused: [],
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => forward(proxy, req, res, options.credentials));
  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    tunnel(proxy, req, client, head, sockets, options.credentials);
  });
  return proxy;
}
