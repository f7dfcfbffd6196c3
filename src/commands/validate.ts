import { CheckFailedError, Code } from '../errors.js';
import { escapeControl } from '../escape.js';
import type { ValidateFlowOptions } from '../app/validate.js';
import type { GlobalOptions, Io } from '../output/io.js';
import { escapeControl as printable } from '../escape.js';
import { appContext, profileAlternative } from './context.js';

export interface ValidateOptions extends GlobalOptions, ValidateFlowOptions {}

export async function validateCommand(options: ValidateOptions, io: Io): Promise<void> {
  const { validateProfile } = await import('../app/validate.js');
  const context = await appContext(io, options, profileAlternative(options.profile, io));
  // With --json the warnings are data (the report's, or the error's `warnings`): stderr keeps to JSON.
  const quiet = options.json ? { ...context, reporter: { ...context.reporter, warn: () => {} } } : context;
  const result = await validateProfile(options, quiet);
  if ('curl' in result) {
    io.stdout.write(result.curl);
    return;
  }
  const { report, failures, destination } = result;
  const c = (failures.length ? io.stderr : io.stdout).color;
  const lines = [
    `${failures.length ? c.red('FAILED') : c.green('ok')} profile ${c.bold(report.profile)}: token received (HTTP ${report.status}, ${report.latencyMs} ms${report.attempts > 1 ? `, ${report.attempts} attempts` : ''})`,
    ...(report.signIn
      ? [`  signed in    ${report.signIn.user ? `as ${printable(report.signIn.user)} ` : ''}at ${report.signIn.signedInAt} (${report.signIn.grant}, through ${printable(report.signIn.signInEndpoint)}); the refresh token renewed the token`]
      : []),
    `  endpoint     ${report.endpoint}`,
    `  auth method  ${report.authMethod}`,
    `  sent         ${destination}`,
    `  token        ${report.tokenType}${report.expiresAt ? `, expires ${report.expiresAt} (in ${Math.round((report.expiresIn ?? 0) / 60)} min)` : ', no expiry given'}`,
    // Claims and request IDs come from the token and the server: shown, never obeyed.
    ...Object.entries(report.claims).map(([name, value]) => `  ${escapeControl(name.padEnd(12))} ${escapeControl(typeof value === 'string' ? value : JSON.stringify(value))}`),
    ...Object.entries(report.requestIds).map(([name, value]) => `  ${name.padEnd(12)} ${escapeControl(value)}`),
  ];
  if (failures.length) {
    // With --json the whole report is data on stdout, failures included, and stderr the one error
    // object; in text, stdout stays empty on failure and the report goes to stderr with the error.
    if (options.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else io.stderr.write(`${lines.join('\n')}\n`);
    throw new CheckFailedError(Code.EXPECTATION_FAILED, `the token does not meet profile ${report.profile}'s expectations: ${failures.map((failure) => failure.why).join('; ')}`, {
      hint: `Fix the app's permissions or the request (e.g. --resource), or change the expectation: tokenctl configure -p ${report.profile} --expect-…`,
    });
  }
  io.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${lines.join('\n')}\n`);
}
