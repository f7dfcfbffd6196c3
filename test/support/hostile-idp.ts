// An identity provider that attacks tokenctl: it echoes every credential it receives back out through
// every channel a response has (OAuth error fields, 5xx bodies, HTML pages, redirects, response
// headers), in every encoding, wrapped in terminal escape sequences. Whatever tokenctl prints or
// writes after talking to it must contain none of it.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type HostileMode = 'oauth-error' | 'server-error' | 'html' | 'redirect' | 'ok-echo' | 'bad-token';
export const HOSTILE_MODES: HostileMode[] = ['oauth-error', 'server-error', 'html', 'redirect', 'ok-echo', 'bad-token'];

/** Terminal attacks: retitle (OSC 0), clipboard write (OSC 52), clear screen (CSI), C1 CSI, bidi override. */
export const ESCAPES = '\u001b]0;pwned\u0007\u001b]52;c;cHduZWQ=\u0007\u001b[2J\u009b31m\u202e';

export interface HostileIdp {
  url: string;
  tokenUrl: string;
  /** The response mode for the next requests; ok-echo answers with a token but echoes in headers. */
  mode: HostileMode;
  /** Every credential-bearing string received, decoded: what must never come back out. */
  received: string[];
  requests: Array<{ path: string; headers: IncomingMessage['headers']; body: string }>;
  close(): Promise<void>;
}

/** The credential-bearing parts of a request: as they were on the wire, and decoded. */
function echoesOf(req: IncomingMessage, body: string): { wire: string[]; decoded: string[] } {
  const wire: string[] = [];
  const decoded: string[] = [];
  for (const name of ['client_secret', 'client_assertion']) {
    const raw = new RegExp(`(?:^|&)${name}=([^&]*)`).exec(body)?.[1];
    if (raw) {
      wire.push(raw);
      decoded.push(new URLSearchParams(`v=${raw}`).get('v') ?? '');
    }
  }
  const authorization = req.headers.authorization;
  if (authorization) {
    const encoded = authorization.replace(/^Basic\s+/i, '');
    wire.push(authorization, encoded);
    const pair = Buffer.from(encoded, 'base64').toString('utf8');
    const secret = pair.slice(pair.indexOf(':') + 1);
    decoded.push(pair, secret, new URLSearchParams(`v=${secret}`).get('v') ?? '');
  }
  return { wire, decoded: decoded.filter((value) => value.length >= 4) };
}

const TOKEN = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJob3N0aWxlIn0.';

export async function startHostileIdp(mode: HostileMode = 'oauth-error'): Promise<HostileIdp> {
  const received: string[] = [];
  const requests: HostileIdp['requests'] = [];
  const state = { mode };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, body });
      const { wire, decoded } = echoesOf(req, body);
      received.push(...wire, ...decoded);
      const echo = [...decoded, ...wire].join(' | ');
      // Header values must be Latin-1 without control characters: the wire forms are.
      const headerEcho = wire.join(',');
      const headers = {
        'x-request-id': headerEcho,
        'x-ms-request-id': headerEcho,
        'client-request-id': headerEcho,
        'www-authenticate': `Basic realm="${headerEcho}", error="invalid_client"`,
      };
      const json = (status: number, doc: unknown) => res.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(doc));
      switch (state.mode) {
        case 'oauth-error':
          return json(401, {
            error: `invalid_client${ESCAPES}${echo}`,
            error_description: `AADSTS7000215: Invalid client secret provided. ${echo}${ESCAPES} Resource https://graph.microsoft.com/ api://cdc128ef-09ca-46ca-a349-57c0c248cad7 thumbprint 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678'`,
            error_codes: [7000215],
            trace_id: `${echo}${ESCAPES}`,
            correlation_id: `${ESCAPES}${echo}`,
          });
        case 'server-error':
          return json(503, { error: `server_error${ESCAPES}${echo}`, error_description: `${echo}${ESCAPES}`, trace_id: echo });
        case 'html':
          return res.writeHead(502, { ...headers, 'content-type': 'text/html' }).end(`<html><body><h1>Bad gateway ${ESCAPES}</h1><p>${echo}</p></body></html>`);
        case 'redirect':
          return res.writeHead(302, { ...headers, location: `https://elsewhere.example/callback?echo=${headerEcho}` }).end(echo);
        case 'ok-echo':
          return json(200, { access_token: TOKEN, token_type: 'Bearer', expires_in: 3600, scope: `read ${ESCAPES}`, echo });
        case 'bad-token':
          return json(200, { access_token: `${TOKEN}\nX-Injected: ${ESCAPES}`, token_type: 'Bearer', expires_in: 3600 });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    tokenUrl: `${url}/oauth2/token`,
    get mode() {
      return state.mode;
    },
    set mode(value: HostileMode) {
      state.mode = value;
    },
    received,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
