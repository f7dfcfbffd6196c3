import type { LoginOptions as LoginFlowOptions, SignInPrompt } from '../app/login.js';
import type { GlobalOptions, Io } from '../output/io.js';
import { formatBrowserPrompt, formatDevicePrompt, formatSignedIn } from '../output/signin-view.js';
import { resolveProfileName } from '../profiles/paths.js';
import { appContext } from './context.js';

export interface LoginOptions extends GlobalOptions, Omit<LoginFlowOptions, 'profile'> {
  profile: string | undefined;
}

/** Opens the user's browser with `open` (xdg-open, open, start, WSL): no shell, and a failure is reported, not thrown away. */
async function openBrowser(url: string): Promise<void> {
  const { default: open } = await import('open');
  const child = await open(url);
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 || code === null ? resolve() : reject(new Error(`the browser launcher exited with status ${code}`))));
    // The launcher normally hands over and exits at once; a browser started in its place keeps running.
    setTimeout(resolve, 2000).unref();
  });
}

/** `tokenctl login -p NAME`: a user signs in (browser or device code); the profile keeps the tokens. */
export async function loginCommand(options: LoginOptions, io: Io): Promise<void> {
  const { login } = await import('../app/login.js');
  const show = (prompt: SignInPrompt) => {
    const c = io.stderr.color;
    if (prompt.kind === 'browser') io.stderr.write(formatBrowserPrompt(prompt.url, prompt.opened, c));
    else if (prompt.kind === 'device') io.stderr.write(formatDevicePrompt(prompt.authorization, c));
  };
  const result = await login({ ...options, profile: resolveProfileName(options.profile, io.env) }, await appContext(io, options), { openBrowser, show });
  if (options.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else io.stderr.write(formatSignedIn(result, io.stderr.color));
}
