/**
 * Registering a token with a CI's log masker before it is printed, so a later `echo "$TOKEN"` or
 * `set -x` shows *** instead of the token.
 *
 * Both runners read these commands from each line a step writes on stdout AND on stderr
 * (actions/runner: ScriptHandler gives stderr its own OutputManager that runs ActionCommandManager;
 * azure-pipelines-agent: the script handlers send ErrorDataReceived to the same OnDataReceived that
 * runs the command parser). tokenctl writes them on stderr, because the stdout of
 * `TOKEN=$(tokenctl token …)` is captured by the shell and must hold the token alone.
 */

export type CiSystem = 'github-actions' | 'azure-pipelines';

/** The CI this process runs under, from the variables each runner sets for every step. */
export function detectCi(env: Record<string, string | undefined>): CiSystem | undefined {
  if (env.GITHUB_ACTIONS === 'true') return 'github-actions';
  if (env.TF_BUILD?.toLowerCase() === 'true') return 'azure-pipelines';
  return undefined;
}

/**
 * GitHub's workflow-command data escaping (the runner's ActionCommand.UnescapeData reverses it):
 * without it a value holding a line break would end the command and start another one.
 */
function escapeGitHubData(value: string): string {
  return value.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/**
 * Azure Pipelines' logging-command escaping (CommandStringConvertor in the agent): `%` as %AZP25,
 * which agents decode by default (DECODE_PERCENTS), then `;`, CR, LF and `]`.
 */
function escapeAzureData(value: string): string {
  return value.replaceAll('%', '%AZP25').replaceAll(';', '%3B').replaceAll('\r', '%0D').replaceAll('\n', '%0A').replaceAll(']', '%5D');
}

/**
 * The lines that register `secrets` with the CI's masker, for stderr; empty outside CI. GitHub
 * Actions: `::add-mask::` (the runner never echoes it). Azure Pipelines: `##vso[task.setsecret]`,
 * which masks without creating a pipeline variable (setvariable with issecret=true would also
 * hand the token to later steps).
 */
export function maskCommands(ci: CiSystem | undefined, secrets: readonly string[]): string {
  if (ci === undefined) return '';
  const values = [...new Set(secrets.filter((secret) => secret.trim() !== ''))];
  const lines = values.map((value) => (ci === 'github-actions' ? `::add-mask::${escapeGitHubData(value)}` : `##vso[task.setsecret]${escapeAzureData(value)}`));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
