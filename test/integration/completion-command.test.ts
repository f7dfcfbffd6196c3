import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import { completionScript } from '../../src/completion/generate.js';
import { completionModel } from '../../src/completion/model.js';
import { SHELLS } from '../../src/choices.js';
import { runCli } from '../support/cli.js';
import { fakeIo } from '../support/fake-io.js';

describe('tokenctl completion (the built CLI)', () => {
  it.each(SHELLS)('prints the %s script, and only it', async (shell) => {
    const result = await runCli(['completion', shell]);
    expect(result).toEqual({ code: 0, stdout: completionScript(shell, completionModel(buildProgram(fakeIo()))), stderr: '' });
  });

  it('refuses another shell with a usage error naming the ones it knows', async () => {
    const result = await runCli(['completion', 'tcsh']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('bash, zsh, fish, powershell');
  });

  it('needs the shell', async () => {
    const result = await runCli(['completion', '--json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stderr)).toMatchObject({ error: { code: 'MISSING_ARGUMENT', exitCode: 2 } });
  });
});
