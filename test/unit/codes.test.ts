import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Code, ExitCode, isCodeName } from '../../src/codes.js';
import { CheckFailedError, NetworkError, UsageError } from '../../src/errors.js';

const ROOT = join(import.meta.dirname, '..', '..');

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|mjs)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Where a code is named: a Code constant, and the `code` a test or a JSON document expects. */
const CODE_REFERENCE = /\bCode\.([A-Z][A-Z0-9_]*)\b/g;
const EXPECTED_CODE = /\bcode: '([A-Z][A-Z0-9_]*)'|"code":\s*"([A-Z][A-Z0-9_]*)"|\.code\)\.toBe\('([A-Z][A-Z0-9_]*)'\)/g;

function namesIn(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map((match) => match.slice(1).find((group) => group !== undefined) as string);
}

/** Node's own errno codes and module codes that tests put on fake errors: not ours. */
const FOREIGN = new Set(['ENOENT', 'EACCES', 'EPERM', 'EEXIST', 'EISDIR', 'ELOOP', 'EINVAL', 'EPIPE', 'MODULE_NOT_FOUND', 'ERR_DLOPEN_FAILED']);

describe('the error-code catalogue', () => {
  it('gives every code an exit status and a meaning, under its own name', () => {
    const exits = new Set<number>(Object.values(ExitCode));
    for (const [name, entry] of Object.entries(Code)) {
      expect(entry.code).toBe(name);
      expect(name).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(exits.has(entry.exitCode), name).toBe(true);
      expect(entry.meaning.length, name).toBeGreaterThan(10);
    }
  });

  it('fixes the exit status of an error by its code', () => {
    expect(new UsageError(Code.CONFLICTING_OPTIONS, 'x').exitCode).toBe(2);
    expect(new NetworkError(Code.TIMEOUT, 'x').exitCode).toBe(6);
    expect(new CheckFailedError(Code.EXPECTATION_FAILED, 'x')).toMatchObject({ code: 'EXPECTATION_FAILED', exitCode: 7 });
    // @ts-expect-error: a free string is not a catalogue entry
    expect(() => new UsageError('MADE_UP', 'x')).toThrow();
    // @ts-expect-error: an entry of another exit status does not fit this class
    void new UsageError(Code.TIMEOUT, 'x');
  });

  it('src/ constructs errors from catalogue constants only, never from a string literal', () => {
    const offenders: string[] = [];
    for (const file of filesUnder('src')) {
      const text = readFileSync(file, 'utf8');
      for (const name of namesIn(text, CODE_REFERENCE)) if (!isCodeName(name)) offenders.push(`${file}: Code.${name}`);
      // An error class or a helper that builds one, called with a quoted code.
      for (const match of text.matchAll(/\b(?:new \w+Error|\w+Error|fail)\(\s*['"`]([A-Z][A-Z0-9_]+)/g)) offenders.push(`${file}: '${match[1]}'`);
      for (const match of text.matchAll(/\.code\s*[!=]==\s*'([A-Z][A-Z0-9_]+)'/g)) if (!FOREIGN.has(match[1] as string)) offenders.push(`${file}: compares with '${match[1]}'`);
    }
    expect(offenders).toEqual([]);
  });

  it('every code a test expects is in the catalogue', () => {
    const unknown: string[] = [];
    for (const file of filesUnder('test')) {
      const text = readFileSync(file, 'utf8');
      // Support servers speak other products' error shapes (PingOne's "code"); only tests expect ours.
      const expected = file.endsWith('.test.ts') ? namesIn(text, EXPECTED_CODE) : [];
      for (const name of [...namesIn(text, CODE_REFERENCE), ...expected]) {
        if (!isCodeName(name) && !FOREIGN.has(name)) unknown.push(`${file}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('the README lists every code with its exit status and meaning, and nothing else', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('\n### Error codes\n');
    expect(start).toBeGreaterThan(0);
    const section = readme.slice(start + 1, readme.indexOf('\n#', start + 2));
    const rows = section.split('\n').filter((line) => line.startsWith('| `'));
    // The failure diff shows the exact row to add or change.
    expect(rows).toEqual(Object.values(Code).map((entry) => `| \`${entry.code}\` | ${entry.exitCode} | ${entry.meaning} |`));
  });

  it('the README Troubleshooting table gives every diagnosis of a refusal a row with its cause and fix', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('\n## Troubleshooting\n');
    expect(start).toBeGreaterThan(0);
    const section = readme.slice(start + 1, readme.indexOf('\n## ', start + 2));
    const rows = section.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| diagnosis') && !line.startsWith('|---'));
    const listed = new Set<string>();
    for (const row of rows) {
      const [cause, codes, fix] = row.split(' | ').map((cell) => cell.replace(/^\| |\s*\|$/g, '').trim());
      expect(cause, row).not.toBe('');
      expect(fix, row).toMatch(/\w/);
      for (const name of namesIn(codes ?? '', /`([A-Z][A-Z0-9_]+)`/g)) {
        expect(isCodeName(name), `${name} is not a catalogue code`).toBe(true);
        listed.add(name);
      }
    }
    // Every refusal (exit 5), and every code the token request, its answer's processor and the
    // diagnosis can end in: read from the source, so a new diagnosis cannot go unlisted.
    const sources = ['src/oauth/diagnose.ts', 'src/oauth/diagnose-entra.ts', 'src/oauth/token-response.ts', 'src/oauth/endpoint-response.ts', 'src/http/exchange.ts'];
    const produced = new Set([
      ...Object.values(Code).filter((entry) => entry.exitCode === ExitCode.idpRejected).map((entry) => entry.code),
      ...sources.flatMap((file) => namesIn(readFileSync(join(ROOT, file), 'utf8'), CODE_REFERENCE)),
    ]);
    expect([...produced].filter((name) => !listed.has(name)).sort()).toEqual([]);
  });
});
