import type { ChalkInstance } from 'chalk';
import type { TraceEvent } from '../oauth/engine.js';
import { excerpt, redactForm, redactHeaders, redactText, redactTokenResponse } from '../oauth/redact.js';

const SHOWN_RESPONSE_HEADERS = ['content-type', 'date', 'retry-after', 'location', 'x-ms-request-id', 'client-request-id', 'x-request-id', 'x-correlation-id', 'www-authenticate'];

function responseBody(body: string, secrets: readonly string[]): string {
  try {
    return JSON.stringify(redactTokenResponse(JSON.parse(body)), (_key, value: unknown) => (typeof value === 'string' ? redactText(value, secrets) : value));
  } catch {
    return excerpt(body, secrets, 300);
  }
}

const ms = (value: number | undefined) => (value === undefined ? undefined : `${value.toFixed(1)} ms`);

/** --verbose lines for one engine event: never a secret, an assertion signature or a token. */
export function formatTrace(event: TraceEvent, color: ChalkInstance, secrets: readonly string[]): string {
  const lines: string[] = [];
  const tag = color.dim(`[attempt ${event.attempt}]`);
  switch (event.type) {
    case 'request':
      lines.push(`${tag} ${color.bold(`${event.method} ${event.url}`)}`);
      for (const [name, value] of Object.entries(redactHeaders(event.headers))) lines.push(`  ${color.dim(`${name}:`)} ${value}`);
      lines.push(`  ${color.dim('body:')} ${redactForm(event.form).map(([k, v]) => `${k}=${v}`).join('&')}`);
      break;
    case 'response': {
      const { response, timings } = event;
      lines.push(`${tag} ${color.bold(`HTTP ${response.status}`)} in ${event.elapsedMs} ms`);
      for (const name of SHOWN_RESPONSE_HEADERS) if (response.headers[name]) lines.push(`  ${color.dim(`${name}:`)} ${response.headers[name]}`);
      const phases = [['dns', timings.dnsMs], ['connect', timings.connectMs], ['tls', timings.tlsMs]]
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => `${name} ${ms(value as number)}`);
      lines.push(`  ${color.dim('timings:')} ${[...phases, `first byte after ${event.elapsedMs} ms`].join(', ')}${phases.length === 0 ? ' (connection reused or proxied)' : ''}`);
      lines.push(`  ${color.dim('body:')} ${responseBody(response.body, secrets)}`);
      break;
    }
    case 'network-error':
      lines.push(`${tag} ${color.red(`failed after ${event.elapsedMs} ms: ${redactText(event.message, secrets)}`)}`);
      break;
    case 'retry':
      lines.push(`${tag} ${color.yellow(event.reason)}`);
      break;
  }
  return `${lines.join('\n')}\n`;
}
