import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import { colorLevel, colorMaker, PLAIN } from '../../src/output/color.js';
import { renderFailure } from '../../src/output/errors.js';
import { prettyJson } from '../../src/output/json.js';
import { CheckFailedError, Code, UsageError } from '../../src/errors.js';

describe('colorLevel', () => {
  const tty = { isTTY: true, env: {}, colorFlag: true };
  it('colours a terminal and not a pipe', () => {
    expect(colorLevel(tty)).toBe(1);
    expect(colorLevel({ ...tty, isTTY: false })).toBe(0);
    expect(colorLevel({ ...tty, env: { TERM: 'dumb' } })).toBe(0);
    expect(colorLevel({ ...tty, env: { COLORTERM: 'truecolor' } })).toBe(3);
  });
  it('honours NO_COLOR and FORCE_COLOR, with --no-color above both', () => {
    expect(colorLevel({ ...tty, env: { NO_COLOR: '1' } })).toBe(0);
    expect(colorLevel({ ...tty, env: { NO_COLOR: '' } })).toBe(1);
    expect(colorLevel({ isTTY: false, env: { FORCE_COLOR: '1' }, colorFlag: true })).toBe(1);
    expect(colorLevel({ isTTY: false, env: { FORCE_COLOR: '' }, colorFlag: true })).toBe(1);
    expect(colorLevel({ isTTY: false, env: { FORCE_COLOR: '3' }, colorFlag: true })).toBe(3);
    expect(colorLevel({ ...tty, env: { FORCE_COLOR: '0' } })).toBe(0);
    expect(colorLevel({ ...tty, env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).toBe(1);
    expect(colorLevel({ ...tty, env: { FORCE_COLOR: '1' }, colorFlag: false })).toBe(0);
  });
});

describe('PLAIN', () => {
  it('is chalk at level 0 without loading chalk: any chain of styles, arguments joined by spaces', async () => {
    const chalk = new Chalk({ level: 0 });
    for (const [plain, real] of [
      [PLAIN.red('a'), chalk.red('a')],
      [PLAIN.bold.underline('a', 'b', 3), chalk.bold.underline('a', 'b', 3)],
      [PLAIN.dim(), chalk.dim()],
      [PLAIN.red.bold(42), chalk.red.bold(42)],
      [PLAIN('x', 'y'), chalk('x', 'y')],
    ]) {
      expect(plain).toBe(real);
    }
    expect(PLAIN.level).toBe(0);
    expect((await colorMaker([0, 0]))(0)).toBe(PLAIN);
  });
});

describe('renderFailure', () => {
  const color = PLAIN;
  it('prints message and hint for a CliError, with its exit code', () => {
    const failure = renderFailure(new UsageError(Code.INVALID_ARGUMENT, 'it is bad', { hint: 'do better' }), { json: false, verbose: false, color });
    expect(failure).toEqual({ exitCode: 2, text: 'error it is bad\nhint  do better\n' });
  });
  it('prints one JSON object with --json', () => {
    const failure = renderFailure(new CheckFailedError(Code.EXPECTATION_FAILED, 'nope'), { json: true, verbose: false, color });
    expect(JSON.parse(failure.text)).toEqual({ error: { code: 'EXPECTATION_FAILED', message: 'nope', exitCode: 7 } });
  });
  it('calls an unexpected error a bug, with the stack only under --verbose', () => {
    const bug = new TypeError('x is undefined');
    const quiet = renderFailure(bug, { json: false, verbose: false, color });
    expect(quiet.exitCode).toBe(1);
    expect(quiet.text).toContain('this is a bug');
    expect(quiet.text).not.toContain('at ');
    expect(renderFailure(bug, { json: false, verbose: true, color }).text).toContain('TypeError: x is undefined\n    at ');
  });
  it('shows causes only under --verbose', () => {
    const error = new UsageError(Code.INVALID_ARGUMENT, 'outer', { cause: new Error('inner reason') });
    expect(renderFailure(error, { json: false, verbose: false, color }).text).not.toContain('inner reason');
    expect(renderFailure(error, { json: false, verbose: true, color }).text).toContain('cause: Error: inner reason');
  });
});

describe('prettyJson', () => {
  it('without colour equals JSON.stringify with two spaces', () => {
    const value = { a: [1, 'two', null, true, {}], b: { c: [] }, 'd"e': 'ü' };
    expect(prettyJson(value, PLAIN)).toBe(JSON.stringify(value, null, 2));
  });
  it('colours when asked', async () => {
    expect(prettyJson({ a: 'b' }, (await colorMaker([0, 1]))(1))).toContain('\u001b[');
  });
});
