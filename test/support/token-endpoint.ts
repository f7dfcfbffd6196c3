import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenEndpoint {
  /** The token endpoint URL (plain http on loopback, which tokenctl allows). */
  url: string;
  /** Every access token issued, oldest first. */
  issued: string[];
  /** The client secrets the requests carried (client_secret_post or basic). */
  secrets: string[];
  close(): Promise<void>;
}

function secretOf(authorization: string | undefined, form: URLSearchParams): string | undefined {
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString();
    return decodeURIComponent(decoded.slice(decoded.indexOf(':') + 1));
  }
  return form.get('client_secret') ?? undefined;
}

/** A client-credentials token endpoint that issues a fresh random token on every request. */
export async function startTokenEndpoint(options: { expiresIn?: number } = {}): Promise<TokenEndpoint> {
  const issued: string[] = [];
  const secrets: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const secret = secretOf(req.headers.authorization, new URLSearchParams(body));
      if (secret !== undefined) secrets.push(secret);
      const token = `tk-${issued.length + 1}-${randomBytes(12).toString('hex')}`;
      issued.push(token);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token_type: 'Bearer', expires_in: options.expiresIn ?? 3600, access_token: token, scope: 'read' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    issued,
    secrets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
