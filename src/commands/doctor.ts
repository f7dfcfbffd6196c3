import { arch, platform } from 'node:os';
import type { CodeEntry, CodeWithExit } from '../codes.js';
import { CheckFailedError, Code, ExitCode, SecretStoreError } from '../errors.js';
import { escapeControl } from '../escape.js';
import { worstStatus } from '../doctor/checks.js';
import type { DoctorFlowOptions } from '../app/doctor.js';
import type { GlobalOptions, Io } from '../output/io.js';
import { VERSION } from '../version.js';
import { appContext } from './context.js';

export interface DoctorOptions extends GlobalOptions, DoctorFlowOptions {}

const SYMBOL = { ok: '✓', warning: '!', problem: '✗' } as const;

export async function doctorCommand(options: DoctorOptions, io: Io): Promise<void> {
  const { doctorChecks } = await import('../app/doctor.js');
  const { checks, storeFailure } = await doctorChecks(options, await appContext(io, options, 'or keep those secrets in the encrypted file store instead (`tokenctl configure -p NAME --store file`)'));
  const overall = worstStatus(checks);
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ version: VERSION, node: process.version, platform: `${platform()} ${arch()}`, status: overall, checks }, null, 2)}\n`);
  } else {
    const c = io.stdout.color;
    const paint = { ok: c.green, warning: c.yellow, problem: c.red } as const;
    let area = '';
    const lines: string[] = [];
    for (const check of checks) {
      // Details quote profile files and servers: shown escaped, never obeyed by the terminal.
      if (check.area !== area && check.area.startsWith('profile ')) lines.push(c.bold(escapeControl(check.area)));
      area = check.area;
      const indent = check.area.startsWith('profile ') ? '    ' : '  ';
      lines.push(`${indent}${paint[check.status](SYMBOL[check.status])} ${escapeControl(check.detail)}`);
      if (check.fix && check.status !== 'ok') lines.push(`${indent}  ${c.dim(`fix: ${escapeControl(check.fix)}`)}`);
    }
    io.stdout.write(`${lines.join('\n')}\n`);
  }
  if (overall === 'problem') {
    // A secret store that profiles need and cannot use is exit 4 with the store's own code, as for every other command.
    const entry: CodeEntry | undefined = storeFailure && (Code as Record<string, CodeEntry>)[storeFailure.code];
    if (storeFailure && entry?.exitCode === ExitCode.secretStore) {
      const problems = checks.filter((c) => c.status === 'problem').length;
      throw new SecretStoreError(entry as CodeWithExit<typeof ExitCode.secretStore>, `doctor found ${problems} problem(s); the secret store: ${storeFailure.message}`, storeFailure.hint ? { hint: storeFailure.hint } : {});
    }
    throw new CheckFailedError(Code.DOCTOR_PROBLEMS, `doctor found ${checks.filter((c) => c.status === 'problem').length} problem(s)`, { hint: 'Each problem above has its fix.' });
  }
}
