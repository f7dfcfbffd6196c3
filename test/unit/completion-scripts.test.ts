// The generated scripts as text. bash, zsh and fish are also run for real in
// test/integration/completion-shells.test.ts; PowerShell is not installed here, so its script is
// checked only as text: the completer is registered and its embedded model is the program's.
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import { completionScript } from '../../src/completion/generate.js';
import { completionModel } from '../../src/completion/model.js';
import { fakeIo } from '../support/fake-io.js';

const model = completionModel(buildProgram(fakeIo()));

/** The JSON between `ConvertFrom-Json @'` and `'@`: a PowerShell literal here-string. */
function embeddedModel(script: string): unknown {
  const found = /ConvertFrom-Json @'\n([\s\S]*?)\n'@\n/.exec(script);
  if (!found) throw new Error('no embedded model');
  return JSON.parse(found[1]!);
}

describe('the PowerShell script', () => {
  const script = completionScript('powershell', model);

  it('registers a native argument completer for tokenctl', () => {
    expect(script).toContain('Register-ArgumentCompleter -Native -CommandName tokenctl -ScriptBlock {');
  });

  it('carries the whole model as data, every command and option included', () => {
    expect(JSON.parse(JSON.stringify(model))).toEqual(embeddedModel(script));
    for (const { name } of model.commands) expect(script).toContain(`"name": "${name}"`);
  });

  it('reads profiles from the same directory as tokenctl, on Windows from %APPDATA%', () => {
    expect(script).toContain('$env:TOKENCTL_CONFIG_DIR');
    expect(script).toMatch(/\$env:APPDATA -and \[IO\.Path\]::IsPathRooted\(\$env:APPDATA\)/);
    expect(script).toContain("Join-Path $HOME 'AppData\\Roaming'");
    expect(script).toContain("Join-Path $HOME 'Library/Application Support/tokenctl'");
    expect(script).toContain('$env:XDG_CONFIG_HOME');
  });

  it('keeps a model whose text looks like the here-string terminator intact', () => {
    const tricky = { ...model, commands: [{ name: 'x', description: "'@\n'@ end", options: [], arguments: [] }] };
    expect(embeddedModel(completionScript('powershell', tricky))).toEqual(tricky);
  });
});
