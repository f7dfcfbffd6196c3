// The generated completion scripts, loaded in the real shells: bash through its completion
// variables, zsh through a pseudo-terminal, fish through `complete -C`. PowerShell is not installed
// here, so its script is only checked as text (test/unit/completion-scripts.test.ts).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from '@commander-js/extra-typings';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import { completionFiles } from '../../src/completion/generate.js';
import { completionModel } from '../../src/completion/model.js';
import { bashComplete, fishComplete, missingShell, zshComplete, type ShellRun } from '../support/completion-shells.js';
import { fakeIo } from '../support/fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'tokenctl-completion-'));
const home = join(dir, 'home');
const work = join(dir, 'work');
const completions = join(dir, 'completions');
const shims = join(dir, 'shims');
const macShims = join(dir, 'mac-shims');
const nodeStarted = join(dir, 'node-started');
const awkward = join(dir, 'awkward');

// Every character the generators must quote: none may end a string early or run a command.
const AWKWARD_TEXT = `it's "odd" [really] \\ $(touch pwned) \`touch pwned\` {a,b} ~ : ; # % * !`;
const AWKWARD_CHOICES = ['plain', 'with space', "it's", '$(touch pwned)'];

function awkwardProgram(): Command {
  const program = new Command('tokenctl').helpOption('-h, --help', AWKWARD_TEXT);
  program
    .command('weird')
    .summary(AWKWARD_TEXT)
    .option('--weird-flag', AWKWARD_TEXT)
    .addOption(new Option('--mode <mode>', AWKWARD_TEXT).choices(AWKWARD_CHOICES));
  return program;
}

function writeProfiles(configRoot: string, names: string[]): void {
  mkdirSync(join(configRoot, 'profiles'), { recursive: true });
  for (const name of names) writeFileSync(join(configRoot, 'profiles', `${name}.json`), '{}');
}

function writeExecutable(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

beforeAll(() => {
  for (const path of [home, work, completions, shims, macShims, join(work, 'certs')]) mkdirSync(path, { recursive: true });
  for (const [name, text] of completionFiles(completionModel(buildProgram(fakeIo())))) writeFileSync(join(completions, name), text);
  mkdirSync(awkward);
  for (const [name, text] of completionFiles(completionModel(awkwardProgram()))) writeFileSync(join(awkward, name), text);
  writeProfiles(join(dir, 'config'), ['erp', 'reltio-dev']);
  // Not profiles: a crashed write's temporary file, and something else in the directory.
  writeFileSync(join(dir, 'config', 'profiles', 'erp.json.tmp'), '');
  writeFileSync(join(dir, 'config', 'profiles', 'notes.txt'), '');
  writeFileSync(join(work, 'cert.pem'), '');
  writeFileSync(join(work, 'other.txt'), '');
  // Completion must never start node (slow): these record it if anything does.
  for (const name of ['node', 'tokenctl']) writeExecutable(join(shims, name), `: > '${nodeStarted}'`);
  writeExecutable(join(macShims, 'uname'), 'echo Darwin');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(() => {
  expect(existsSync(nodeStarted), 'the completion started node or tokenctl').toBe(false);
  expect(existsSync(join(work, 'pwned')), 'a description or value ran as a command').toBe(false);
});

function shellRun(env: Record<string, string> = { TOKENCTL_CONFIG_DIR: join(dir, 'config') }): ShellRun {
  return { cwd: work, env: { PATH: `${shims}:${process.env.PATH}`, HOME: home, TERM: 'xterm', ...env } };
}

const sorted = (words: string[]): string[] => [...words].sort();

interface ShellUnderTest {
  shell: 'bash' | 'zsh' | 'fish';
  complete(line: string, run?: ShellRun): Promise<string[]>;
  /** The same with the scripts made from awkwardProgram(). */
  completeAwkward(line: string): Promise<string[]>;
  /** The environment that makes the script believe it runs on macOS. */
  macOS: Record<string, string>;
}

// fish shows a directory with its slash and the value of --option=value with the option in front.
const fishMatches = (matches: string[]): string[] => matches.map((match) => match.replace(/\/$/, '').replace(/^--[\w-]+=/, ''));

const SHELLS: ShellUnderTest[] = [
  {
    shell: 'bash',
    complete: (line, run = shellRun()) => bashComplete(join(completions, 'tokenctl.bash'), line, run),
    completeAwkward: (line) => bashComplete(join(awkward, 'tokenctl.bash'), line, shellRun()),
    macOS: { TOKENCTL_TEST_OSTYPE: 'darwin23' },
  },
  {
    shell: 'zsh',
    complete: (line, run = shellRun()) => zshComplete(completions, line, run),
    completeAwkward: (line) => zshComplete(awkward, line, shellRun()),
    macOS: { TOKENCTL_TEST_OSTYPE: 'darwin23.0' },
  },
  {
    shell: 'fish',
    complete: async (line, run = shellRun()) => fishMatches(await fishComplete(join(completions, 'tokenctl.fish'), line, run)),
    completeAwkward: async (line) => fishMatches(await fishComplete(join(awkward, 'tokenctl.fish'), line, shellRun())),
    macOS: { PATH: `${macShims}:${shims}:${process.env.PATH}` },
  },
];

for (const { shell, complete, completeAwkward, macOS } of SHELLS) {
  const missing = missingShell(shell);
  describe.skipIf(missing !== undefined)(`${shell} completion${missing ? ` (skipped: ${missing})` : ''}`, () => {
    it('completes a command name', async () => {
      expect(await complete('tokenctl to')).toEqual(['token']);
      expect(sorted(await complete('tokenctl co'))).toEqual(['completion', 'configure']);
    });

    it("completes the command's flags, and the global ones after it", async () => {
      expect(sorted(await complete('tokenctl token --au'))).toEqual(['--audience', '--auth-method', '--authority-host']);
      expect(sorted(await complete('tokenctl decode --j'))).toEqual(['--json', '--jwks']);
      expect(sorted(await complete('tokenctl list --ver'))).toEqual(['--verbose', '--version']);
    });

    it.each([
      ['tokenctl token --auth-method c', ['client_secret_basic', 'client_secret_post']],
      ['tokenctl token --auth-method=c', ['client_secret_basic', 'client_secret_post']],
      ['tokenctl configure --cloud ', ['china', 'public', 'usgov']],
      ['tokenctl token --assertion-alg ', ['PS256', 'RS256']],
      ['tokenctl token -o ', ['env', 'header', 'json', 'kubectl', 'raw']],
      ['tokenctl configure --store ', ['file', 'keychain']],
      ['tokenctl completion ', ['bash', 'fish', 'powershell', 'zsh']],
    ])('completes the enumerated values: %s', async (line, expected) => {
      expect(sorted(await complete(line))).toEqual(expected);
    });

    it('offers nothing for a free-text value', async () => {
      expect(await complete('tokenctl token --tenant ')).toEqual([]);
    });

    it('completes profile names from the config dir, for -p and for remove', async () => {
      expect(await complete('tokenctl token -p ')).toEqual(['erp', 'reltio-dev']);
      expect(await complete('tokenctl remove -p ')).toEqual(['erp', 'reltio-dev']);
      expect(await complete('tokenctl remove --profile r')).toEqual(['reltio-dev']);
    });

    it('finds the profiles where tokenctl keeps them: XDG_CONFIG_HOME when absolute, else ~/.config, and on macOS', async () => {
      writeProfiles(join(dir, 'xdg', 'tokenctl'), ['from-xdg']);
      writeProfiles(join(home, '.config', 'tokenctl'), ['from-home']);
      writeProfiles(join(home, 'Library', 'Application Support', 'tokenctl'), ['from-mac']);
      expect(await complete('tokenctl show -p ', shellRun({ XDG_CONFIG_HOME: join(dir, 'xdg') }))).toEqual(['from-xdg']);
      expect(await complete('tokenctl show -p ', shellRun({ XDG_CONFIG_HOME: 'relative/xdg' }))).toEqual(['from-home']);
      expect(await complete('tokenctl show -p ', shellRun(macOS))).toEqual(['from-mac']);
    });

    it('completes file paths for options that take a file', async () => {
      expect(sorted(await complete('tokenctl token --certificate ce'))).toEqual(['cert.pem', 'certs']);
      expect(sorted(await complete('tokenctl decode --key o'))).toEqual(['other.txt']);
    });

    it('survives descriptions and values full of quotes, brackets and shell syntax', async () => {
      expect(await completeAwkward('tokenctl we')).toEqual(['weird']);
      expect(await completeAwkward('tokenctl weird --w')).toEqual(['--weird-flag']);
      expect(sorted(await completeAwkward('tokenctl weird --mode '))).toEqual(sorted(AWKWARD_CHOICES));
    });
  });
}

describe.skipIf(missingShell('zsh') !== undefined)('zsh completion, sourced instead of autoloaded', () => {
  it('registers itself with compdef', async () => {
    expect(sorted(await zshComplete(join(completions, '_tokenctl'), 'tokenctl token --auth-method c', shellRun()))).toEqual(['client_secret_basic', 'client_secret_post']);
  });
});
