import { describe, expect, it } from 'vitest';
import { detectCi, maskCommands } from '../../src/integrations/ci-mask.js';
import { childEnvironment } from '../../src/process/child-env.js';
import { execCredential, requestedExecCredentialVersion } from '../../src/integrations/exec-credential.js';
import { envBindings, parseEnvBinding, tokenVariables } from '../../src/integrations/exec-env.js';
import { exitStatus } from '../../src/process/run-command.js';
import type { TokenResult } from '../../src/oauth/token-response.js';

const token: TokenResult = {
  accessToken: 'eyJ.tok.en',
  tokenType: 'Bearer',
  expiresIn: 3599,
  expiresAt: new Date('2026-05-01T10:00:00.250Z'),
  scope: 'read write',
  warnings: [],
};

describe('CI log masking', () => {
  it('knows GitHub Actions and Azure Pipelines by the variables their runners set', () => {
    expect(detectCi({ GITHUB_ACTIONS: 'true' })).toBe('github-actions');
    expect(detectCi({ TF_BUILD: 'True' })).toBe('azure-pipelines');
    expect(detectCi({ TF_BUILD: 'true' })).toBe('azure-pipelines');
    expect(detectCi({ GITHUB_ACTIONS: 'false', TF_BUILD: '' })).toBeUndefined();
    expect(detectCi({ CI: 'true' })).toBeUndefined();
  });

  it('writes nothing outside CI', () => expect(maskCommands(undefined, ['secret'])).toBe(''));

  it('GitHub Actions: one ::add-mask:: line per value', () => {
    expect(maskCommands('github-actions', ['eyJ.tok.en'])).toBe('::add-mask::eyJ.tok.en\n');
  });

  it('Azure Pipelines: ##vso[task.setsecret], which masks without creating a variable', () => {
    expect(maskCommands('azure-pipelines', ['eyJ.tok.en'])).toBe('##vso[task.setsecret]eyJ.tok.en\n');
  });

  it('escapes a hostile value so it cannot end the command and start another', () => {
    const hostile = 'a%b\r\n::set-env name=X::y]\n##vso[task.setvariable variable=X]1;';
    const github = maskCommands('github-actions', [hostile]);
    expect(github.split('\n')).toEqual(['::add-mask::a%25b%0D%0A::set-env name=X::y]%0A##vso[task.setvariable variable=X]1;', '']);
    const azure = maskCommands('azure-pipelines', [hostile]);
    expect(azure.split('\n')).toEqual(['##vso[task.setsecret]a%AZP25b%0D%0A::set-env name=X::y%5D%0A##vso[task.setvariable variable=X%5D1%3B', '']);
  });

  it('skips blank values and repeats, which the runner would refuse or mask twice', () => {
    expect(maskCommands('github-actions', ['', '  ', 'x1', 'x1'])).toBe('::add-mask::x1\n');
    expect(maskCommands('azure-pipelines', [])).toBe('');
  });
});

describe('kubectl ExecCredential', () => {
  const info = (apiVersion: string) => JSON.stringify({ kind: 'ExecCredential', apiVersion, spec: { interactive: false } });

  it('answers in the apiVersion kubectl asks for', () => {
    expect(requestedExecCredentialVersion(info('client.authentication.k8s.io/v1'))).toBe('client.authentication.k8s.io/v1');
    expect(requestedExecCredentialVersion(info('client.authentication.k8s.io/v1beta1'))).toBe('client.authentication.k8s.io/v1beta1');
  });

  it('defaults to v1beta1 when run by hand', () => {
    expect(requestedExecCredentialVersion(undefined)).toBe('client.authentication.k8s.io/v1beta1');
    expect(requestedExecCredentialVersion('')).toBe('client.authentication.k8s.io/v1beta1');
  });

  it('refuses a version it does not speak, and an unreadable KUBERNETES_EXEC_INFO', () => {
    expect(() => requestedExecCredentialVersion(info('client.authentication.k8s.io/v1alpha1'))).toThrow(expect.objectContaining({ code: 'EXEC_CREDENTIAL_VERSION_UNSUPPORTED', exitCode: 2 }));
    expect(() => requestedExecCredentialVersion('{not json')).toThrow(expect.objectContaining({ code: 'EXEC_INFO_INVALID' }));
    expect(() => requestedExecCredentialVersion('{"kind":"ExecCredential"}')).toThrow(expect.objectContaining({ code: 'EXEC_INFO_INVALID' }));
  });

  it('carries the token and its expiry in RFC 3339', () => {
    expect(execCredential(token, 'client.authentication.k8s.io/v1')).toEqual({
      kind: 'ExecCredential',
      apiVersion: 'client.authentication.k8s.io/v1',
      spec: {},
      status: { token: 'eyJ.tok.en', expirationTimestamp: '2026-05-01T10:00:00Z' },
    });
  });

  it('leaves the expiry out when it is unknown, so kubectl asks again on a 401', () => {
    const doc = execCredential({ ...token, expiresAt: undefined, expiresIn: undefined }, 'client.authentication.k8s.io/v1beta1');
    expect(doc.status).toEqual({ token: 'eyJ.tok.en' });
  });
});

describe('exec --env', () => {
  it('VAR is the access token; VAR=FIELD any field of token -o json', () => {
    expect(parseEnvBinding('API_TOKEN')).toEqual({ variable: 'API_TOKEN', field: 'access_token' });
    expect(parseEnvBinding('EXP=expires_at')).toEqual({ variable: 'EXP', field: 'expires_at' });
  });

  it('refuses a bad name, an unknown field and a name given twice', () => {
    expect(() => parseEnvBinding('1X')).toThrow(expect.objectContaining({ code: 'ENV_NAME_INVALID', exitCode: 2 }));
    expect(() => parseEnvBinding('A-B')).toThrow(expect.objectContaining({ code: 'ENV_NAME_INVALID' }));
    expect(() => parseEnvBinding('=access_token')).toThrow(expect.objectContaining({ code: 'ENV_NAME_INVALID' }));
    expect(() => parseEnvBinding('X=refresh_token')).toThrow(expect.objectContaining({ code: 'ENV_FIELD_UNKNOWN' }));
    expect(() => envBindings(['X', 'X=scope'])).toThrow(expect.objectContaining({ code: 'ENV_NAME_REPEATED' }));
  });

  it('puts the token in ACCESS_TOKEN unless an --env carries it', () => {
    expect(envBindings([])).toEqual([{ variable: 'ACCESS_TOKEN', field: 'access_token' }]);
    expect(envBindings(['EXP=expires_in'])).toEqual([
      { variable: 'ACCESS_TOKEN', field: 'access_token' },
      { variable: 'EXP', field: 'expires_in' },
    ]);
    expect(envBindings(['T'])).toEqual([{ variable: 'T', field: 'access_token' }]);
  });

  it('fills the variables, an unknown value as an empty string', () => {
    const bindings = envBindings(['T', 'TYPE=token_type', 'IN=expires_in', 'AT=expires_at', 'S=scope']);
    expect(tokenVariables(token, bindings)).toEqual({ T: 'eyJ.tok.en', TYPE: 'Bearer', IN: '3599', AT: '2026-05-01T10:00:00.250Z', S: 'read write' });
    expect(tokenVariables({ ...token, expiresAt: undefined, expiresIn: undefined, scope: undefined }, bindings)).toMatchObject({ IN: '', AT: '', S: '' });
  });

  it("removes tokenctl's secret variables from a child's environment, whatever their case", () => {
    const env = childEnvironment(
      { PATH: '/bin', TOKENCTL_CLIENT_SECRET: 's', TOKENCTL_CERTIFICATE_PASSWORD: 'p', TOKENCTL_CERTIFICATE_KEY_PASSWORD: 'k', TOKENCTL_PASSPHRASE: 'f', tokenctl_client_secret: 'w', TOKENCTL_PROFILE: 'erp', GONE: undefined },
      { ACCESS_TOKEN: 't' },
    );
    expect(env).toEqual({ PATH: '/bin', TOKENCTL_PROFILE: 'erp', ACCESS_TOKEN: 't' });
  });
});

describe('exit status of a command', () => {
  it('is its exit code, or 128 + the signal number', () => {
    expect(exitStatus(0, null)).toBe(0);
    expect(exitStatus(42, null)).toBe(42);
    expect(exitStatus(null, 'SIGTERM')).toBe(143);
    expect(exitStatus(null, 'SIGINT')).toBe(130);
    expect(exitStatus(null, 'SIGKILL')).toBe(137);
    expect(exitStatus(null, 'SIGHUP')).toBe(129);
  });
});
