import type { ChalkInstance } from 'chalk';
import type { TraceEvent } from '../oauth/engine.js';
import { escapeControl, escapeControlKeepLines } from '../escape.js';
import { excerpt, redactForm, redactHeaders, redactTokenResponse } from '../oauth/redact.js';

/** Removes known secrets from a string: the run's one scrubber. */
export type Scrub = (text: string) => string;

const SHOWN_RESPONSE_HEADERS = ['content-type', 'date', 'retry-after', 'location', 'x-ms-request-id', 'client-request-id', 'x-request-id', 'x-correlation-id', 'www-authenticate'];

function responseBody(body: string, scrub: Scrub): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return escapeControl(excerpt(scrub(body), [], 300));
  }
  // Scrubbed as parsed strings (a JSON-escaped echo decodes to the raw secret) and as the printed line.
  const shown = JSON.stringify(redactTokenResponse(parsed), (_key, value: unknown) => (typeof value === 'string' ? scrub(value) : value));
  return escapeControlKeepLines(scrub(shown));
}

const ms = (value: number | undefined) => (value === undefined ? undefined : `${value.toFixed(1)} ms`);

/** --verbose lines for one engine event: never a secret, an assertion signature or a token. */
export function formatTrace(event: TraceEvent, color: ChalkInstance, scrub: Scrub): string {
  const shown = (value: string) => escapeControl(scrub(value));
  const lines: string[] = [];
  const tag = color.dim(`[attempt ${event.attempt}]`);
  switch (event.type) {
    case 'request':
      lines.push(`${tag} ${color.bold(`${event.method} ${shown(event.url)}`)}`);
      for (const [name, value] of Object.entries(redactHeaders(event.headers))) lines.push(`  ${color.dim(`${name}:`)} ${shown(value)}`);
      lines.push(`  ${color.dim('body:')} ${shown(redactForm(event.form).map(([k, v]) => `${k}=${v}`).join('&'))}`);
      break;
    case 'response': {
      const { response, timings } = event;
      lines.push(`${tag} ${color.bold(`HTTP ${response.status}`)} in ${event.elapsedMs} ms`);
      for (const name of SHOWN_RESPONSE_HEADERS) if (response.headers[name]) lines.push(`  ${color.dim(`${name}:`)} ${shown(response.headers[name] as string)}`);
      const phases = [['dns', timings.dnsMs], ['connect', timings.connectMs], ['tls', timings.tlsMs]]
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => `${name} ${ms(value as number)}`);
      lines.push(`  ${color.dim('timings:')} ${[...phases, `first byte after ${event.elapsedMs} ms`].join(', ')}${phases.length === 0 ? ' (connection reused or proxied)' : ''}`);
      lines.push(`  ${color.dim('body:')} ${responseBody(response.body, scrub)}`);
      break;
    }
    case 'network-error':
      lines.push(`${tag} ${color.red(`failed after ${event.elapsedMs} ms: ${shown(event.message)}`)}`);
      break;
    case 'retry':
      lines.push(`${tag} ${color.yellow(event.reason)}`);
      break;
  }
  return `${lines.join('\n')}\n`;
}
