import { arch, platform } from 'node:os';
import { CheckFailedError, Code } from '../errors.js';
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
  const checks = await doctorChecks(options, await appContext(io, options));
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
    throw new CheckFailedError(Code.DOCTOR_PROBLEMS, `doctor found ${checks.filter((c) => c.status === 'problem').length} problem(s)`, { hint: 'Each problem above has its fix.' });
  }
}
