/**
 * Control characters in untrusted text (a server's error, a profile file, a token's header) must not
 * reach a terminal or a log as themselves: ESC and C1 sequences retitle windows, rewrite the screen,
 * write the clipboard or forge links, and a newline forges log lines. They are shown as \u escapes.
 */

// C0 and DEL, C1, line/paragraph separators, and bidi overrides/isolates ("Trojan Source").
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// The same, less newline and tab: what may stay in multi-line output.
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LAYOUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const visible = (char: string): string => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** One untrusted value on one line: every control character, newlines included, made visible. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, visible);
}

/** Untrusted multi-line text: newlines and tabs stay, every other control character is made visible. */
export function escapeControlKeepLines(text: string): string {
  return text.replace(CONTROL_BUT_LAYOUT, visible);
}

// What JSON.stringify leaves as itself in a string: DEL, C1, line/paragraph separators, bidi controls.
const JSON_UNESCAPED_CONTROL = /[\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A JSON document that carries untrusted strings as they are, yet holds nothing a terminal or a log
 * would obey: JSON.stringify escapes C0 controls, and the characters it leaves are written as \u
 * escapes too (valid JSON wherever they occur, since they can only occur inside strings).
 */
export function jsonDocument(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(JSON_UNESCAPED_CONTROL, visible);
}

export interface TerminalGuardOptions {
  /** Colour is on: SGR sequences (ESC [ … m) are ours and pass. */
  sgr: boolean;
  /** The stream is a terminal: the spinner's carriage return and erase-line pass. */
  cursor: boolean;
}

// SGR (colour) and, for the spinner, EL (erase line).
// eslint-disable-next-line no-control-regex
const OWN_SEQUENCE = /\u001b\[[0-9;]*m|\u001b\[K|\r/y;

/**
 * The last line of defence at the process's output streams: whatever a command writes, no control
 * sequence passes except tokenctl's own colours (when colour is on) and the spinner's (on a terminal).
 * In JSON output the \u form is itself a valid, lossless JSON escape.
 */
export function guardTerminalText(text: string, options: TerminalGuardOptions): string {
  if (!CONTROL_BUT_LAYOUT.test(text)) return text;
  CONTROL_BUT_LAYOUT.lastIndex = 0;
  let result = '';
  for (let i = 0; i < text.length; ) {
    const char = text[i] as string;
    if (char === '\u001b' || char === '\r') {
      OWN_SEQUENCE.lastIndex = i;
      const match = OWN_SEQUENCE.exec(text);
      const own = match !== null && ((match[0].endsWith('m') && options.sgr) || (!match[0].endsWith('m') && options.cursor));
      if (own && match) {
        result += match[0];
        i += match[0].length;
        continue;
      }
    }
    result += /[\n\t]/.test(char) ? char : char.replace(CONTROL_BUT_LAYOUT, visible);
    i++;
  }
  return result;
}
