import { Command, Option } from '@commander-js/extra-typings';
import { describe, expect, it } from 'vitest';
import { buildProgram, runCli } from '../../src/cli.js';
import { completionModel, optionNames, type CommandModel, type OptionModel } from '../../src/completion/model.js';
import { ASSERTION_ALGORITHMS, AUTH_METHODS, CLOUDS, OUTPUT_FORMATS, SHELLS, STORE_KINDS } from '../../src/choices.js';
import { UsageError } from '../../src/errors.js';
import { fakeIo } from '../support/fake-io.js';

const program = buildProgram(fakeIo());
const model = completionModel(program);

function command(name: string): CommandModel {
  const found = model.commands.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no command ${name} in the model`);
  return found;
}

function option(commandName: string, name: string): OptionModel {
  const found = command(commandName).options.find((candidate) => optionNames(candidate).includes(name));
  if (!found) throw new Error(`no option ${name} for ${commandName}`);
  return found;
}

describe('completionModel', () => {
  it('has every command of the program, and not commander’s implicit help command', () => {
    expect(model.name).toBe('tokenctl');
    expect(model.commands.map((candidate) => candidate.name)).toEqual(program.commands.map((candidate) => candidate.name()));
    expect(model.commands.map((candidate) => candidate.name)).toEqual(expect.arrayContaining(['decode', 'token', 'configure', 'remove', 'completion']));
    expect(model.commands.map((candidate) => candidate.name)).not.toContain('help');
  });

  it('offers the global options before a command, and after every command with its own --help', () => {
    expect(model.options.flatMap(optionNames)).toEqual(['-V', '--version', '--json', '--no-color', '-v', '--verbose', '-h', '--help']);
    for (const { name, options } of model.commands) {
      expect(options.flatMap(optionNames), name).toEqual(expect.arrayContaining(['--json', '--no-color', '-v', '--verbose', '-h', '--help']));
    }
  });

  it('sees every enumerated value through commander’s choices', () => {
    expect(option('token', '--auth-method').value).toEqual({ kind: 'choice', choices: [...AUTH_METHODS] });
    expect(option('token', '--cloud').value).toEqual({ kind: 'choice', choices: Object.keys(CLOUDS) });
    expect(option('configure', '--assertion-alg').value).toEqual({ kind: 'choice', choices: [...ASSERTION_ALGORITHMS] });
    expect(option('token', '--output').value).toEqual({ kind: 'choice', choices: [...OUTPUT_FORMATS] });
    expect(option('configure', '--store').value).toEqual({ kind: 'choice', choices: [...STORE_KINDS] });
    expect(command('completion').arguments).toEqual([{ name: 'shell', value: { kind: 'choice', choices: [...SHELLS] } }]);
  });

  it.each([
    ['token', '--certificate'],
    ['token', '--private-key'],
    ['token', '--ca-file'],
    ['configure', '--client-secret-file'],
    ['configure', '--client-assertion-file'],
    ['decode', '--jwks'],
    ['decode', '--key'],
  ])('completes a file path for %s %s', (commandName, name) => {
    expect(option(commandName, name).value).toEqual({ kind: 'file' });
  });

  it('completes profile names for -p/--profile wherever it is accepted', () => {
    const withProfile = model.commands.filter(({ options }) => options.some((candidate) => candidate.long === '--profile'));
    expect(withProfile.map(({ name }) => name)).toEqual(expect.arrayContaining(['decode', 'token', 'configure', 'validate', 'remove', 'show']));
    for (const { name } of withProfile) expect(option(name, '-p').value, name).toEqual({ kind: 'profile' });
  });

  it('tells a flag from an option that takes free text', () => {
    expect(option('token', '--refresh').value).toBeUndefined();
    expect(option('token', '--tenant').value).toEqual({ kind: 'text' });
    expect(command('decode').arguments).toEqual([{ name: 'token', value: { kind: 'text' } }]);
  });

  it('is plain data, and leaves hidden commands and options out', () => {
    const small = new Command('tool').option('--loud', 'be loud').helpOption('-h, --help', 'show help');
    small
      .command('fetch')
      .summary('fetch it')
      .argument('<what>', 'what to fetch')
      .option('-f, --from <file>', 'read from a file')
      .addOption(new Option('--mode <mode>', 'how').choices(['fast', 'slow']))
      .addOption(new Option('--secret-debug', 'internal').hideHelp());
    small.command('internal', { hidden: true });
    expect(JSON.parse(JSON.stringify(completionModel(small)))).toEqual({
      name: 'tool',
      options: [
        { long: '--loud', description: 'be loud' },
        { short: '-h', long: '--help', description: 'show help' },
      ],
      commands: [
        {
          name: 'fetch',
          description: 'fetch it',
          options: [
            { short: '-f', long: '--from', description: 'read from a file', value: { kind: 'file' } },
            { long: '--mode', description: 'how', value: { kind: 'choice', choices: ['fast', 'slow'] } },
            { short: '-h', long: '--help', description: 'show help' },
            { long: '--loud', description: 'be loud' },
          ],
          arguments: [{ name: 'what', value: { kind: 'text' } }],
        },
      ],
    });
  });
});

describe('enumerated options, now checked by commander’s choices', () => {
  it.each([
    ['--cloud', 'mars', 'public, usgov, china'],
    ['--auth-method', 'tls_client_auth', 'client_secret_basic, client_secret_post, private_key_jwt'],
    ['--assertion-alg', 'ES256', 'PS256, RS256'],
  ])('refuses %s %s with a usage error listing the choices', async (flag, value, choices) => {
    const attempt = runCli(['token', flag, value], fakeIo());
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', exitCode: 2, message: expect.stringContaining(choices) });
  });
});
