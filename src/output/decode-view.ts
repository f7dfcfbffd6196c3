import type { ChalkInstance } from 'chalk';
import { escapeControl } from '../escape.js';
import type { Explanation } from '../jwt/explain.js';
import type { Verification } from '../jwt/verify-result.js';
import { prettyJson } from './json.js';

function section(title: string, color: ChalkInstance): string {
  return color.bold.underline(title);
}

function notesBlock(notes: Explanation['claimNotes'], color: ChalkInstance): string[] {
  const width = Math.max(0, ...notes.map((n) => n.name.length));
  return notes.map((n) => `  ${color.blue(escapeControl(n.name).padEnd(width))}  ${escapeControl(n.note)} ${color.dim(`(${n.source})`)}`);
}

const STATUS_COLOR = { valid: 'green', expired: 'red', 'not-yet-valid': 'yellow', 'no-expiry': 'yellow' } as const;

/** The human view of `decode`: header, payload, times, status, what the claims mean, signature. */
export function renderExplanation(ex: Explanation, verification: Verification | undefined, color: ChalkInstance): string {
  const out: string[] = [];
  out.push(section('Header', color), prettyJson(ex.header, color), '');
  out.push(section('Payload', color), prettyJson(ex.payload, color), '');

  if (ex.times.length > 0) {
    out.push(section('Times (UTC)', color));
    for (const t of ex.times) out.push(`  ${color.blue(t.name.padEnd(10))} ${t.iso}  ${color.dim(t.relative)}`);
    out.push('');
  }
  out.push(`${color.bold('Status')}     ${color[STATUS_COLOR[ex.validity.state]](ex.validity.summary)}`, '');

  if (ex.observations.length > 0) {
    out.push(section('What this token is', color), ...ex.observations.map((o) => `  • ${escapeControl(o.text)}`), '');
  }
  if (ex.claimNotes.length > 0 || ex.headerNotes.length > 0) {
    out.push(section('Claims', color), ...notesBlock([...ex.headerNotes, ...ex.claimNotes], color), '');
  }

  // alg and kid come from the token's header: shown escaped, never obeyed by the terminal.
  const alg = escapeControl(ex.signature.algorithm ?? 'no alg');
  const kid = ex.signature.keyId ? `, key id ${escapeControl(ex.signature.keyId)}` : '';
  if (verification) {
    out.push(`${color.bold('Signature')}  ${color.green(`verified (${alg}${kid}) with ${verification.keySource}`)}`);
  } else if (!ex.signature.present) {
    out.push(`${color.bold('Signature')}  ${color.red('none: this token is unsigned')}`);
  } else {
    out.push(`${color.bold('Signature')}  ${color.yellow(`NOT verified (${alg}${kid})`)} ${color.dim('- run with --verify to check it against the issuer\'s keys')}`);
  }
  return `${out.join('\n')}\n`;
}
