import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Code, UsageError } from '../errors.js';

/**
 * Splits a command line into words as a POSIX shell would, without being one: whitespace separates
 * words; '…' keeps everything literally; "…" keeps everything but lets \ escape " \ $ ` and a line
 * break; a \ outside quotes escapes the next character. Nothing is expanded: $VAR, $(…), `…`, ~ and
 * * stay as written, and ; | & < > are plain characters, because no shell ever sees the words.
 */
export function splitCommandLine(line: string, option: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === '\\' && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1] as string)) {
        const next = line[++i] as string;
        if (next !== '\n') word += next;
      } else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === '\\') {
      if (i + 1 === line.length) throw unterminated(option, 'a \\ at the end');
      const next = line[++i] as string;
      // A backslash before a line break joins the lines, as in a shell.
      if (next !== '\n') {
        word += next;
        inWord = true;
      }
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote !== undefined) throw unterminated(option, `an unclosed ${quote}`);
  if (inWord) words.push(word);
  if (words.length === 0) {
    throw new UsageError(Code.SECRET_COMMAND_INVALID, `${option} is empty`, { hint: `Give the command that prints the secret, e.g. ${option} 'vault kv get -field=client_secret secret/erp'.` });
  }
  return words;
}

function unterminated(option: string, what: string): UsageError {
  return new UsageError(Code.SECRET_COMMAND_INVALID, `${option} has ${what}`, {
    hint: "Quote it as for a shell: 'single quotes' keep everything, \"double quotes\" allow \\\" and \\\\. Nothing is expanded.",
  });
}

/** Where a program would be found, as spawn looks it up (a path as given, else each PATH entry); undefined when nowhere. */
export function findProgram(program: string, env: Record<string, string | undefined>): string | undefined {
  const candidates = program.includes('/') ? [program] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, program));
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
}
