import { resolve } from 'node:path';
import { PATH_SETTINGS, type relativePaths } from '../oauth/settings.js';

/** What to say about a profile's relative paths: the problem, and the configure command that fixes it. */
export function relativePathProblem(profile: string, paths: ReturnType<typeof relativePaths>, cwd: string): { message: string; fix: string } {
  const listed = paths.map(({ setting, path }) => `${PATH_SETTINGS[setting]} ${JSON.stringify(path)}`).join(', ');
  const flags = paths.map(({ setting, path }) => `${PATH_SETTINGS[setting]} ${resolve(cwd, path)}`).join(' ');
  const several = paths.length > 1;
  return {
    message: `profile ${profile} holds the relative path${several ? 's' : ''} ${listed}, which ${several ? 'point' : 'points'} somewhere else from every other directory (cron, CI, another shell)`,
    fix: `Save ${several ? 'full paths' : 'the full path'}: tokenctl configure -p ${profile} ${flags} (${several ? 'these are' : 'this is'} where ${several ? 'they point' : 'it points'} from ${cwd}; give the right ${several ? 'ones' : 'one'} if the file${several ? 's are' : ' is'} elsewhere)`,
  };
}
