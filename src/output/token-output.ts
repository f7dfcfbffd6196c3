import type { OutputFormat } from '../choices.js';
import type { TokenResult } from '../oauth/token-response.js';


/** The --json / -o json document; later commands add fields (e.g. cached), never rename them. */
export function tokenDocument(token: TokenResult, extra: Record<string, unknown> = {}) {
  return {
    access_token: token.accessToken,
    token_type: token.tokenType,
    expires_in: token.expiresIn ?? null,
    expires_at: token.expiresAt?.toISOString() ?? null,
    scope: token.scope ?? null,
    ...extra,
  };
}

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** What `token` prints on stdout: the token and nothing else unless another format is asked for. */
export function formatToken(token: TokenResult, format: Exclude<OutputFormat, 'kubectl'>, extra: Record<string, unknown> = {}): string {
  switch (format) {
    case 'raw':
      return `${token.accessToken}\n`;
    case 'json':
      return `${JSON.stringify(tokenDocument(token, extra), null, 2)}\n`;
    case 'header':
      return `Authorization: Bearer ${token.accessToken}\n`;
    case 'env':
      return `export ACCESS_TOKEN=${shellQuote(token.accessToken)}\n`;
  }
}
