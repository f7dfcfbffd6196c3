import { InvalidArgumentError } from '@commander-js/extra-typings';
import { refuseSecretInUrl, refuseSecretParameter } from './secret-parameters.js';

/** Parsers of option values, shared by every part of the command line. */

/** A whole number of seconds within its bound: every number from the command line has one. */
export function seconds({ min, max }: { min: number; max: number }): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number of seconds.');
    const number = Number(value);
    if (number < min || number > max) throw new InvalidArgumentError(`expected ${min} to ${max} seconds.`);
    return number;
  };
}

/** The options that were given: a value left undefined is left out, so it cannot override a profile's. */
export function givenOnly<T extends object>(values: T): T {
  const given = { ...values };
  for (const key in given) if (given[key] === undefined) delete given[key];
  return given;
}

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function collectParam(value: string, previous: Array<[string, string]> = []): Array<[string, string]> {
  const equals = value.indexOf('=');
  if (equals < 1) throw new InvalidArgumentError('expected KEY=VALUE.');
  refuseSecretParameter(value.slice(0, equals));
  return [...previous, [value.slice(0, equals), value.slice(equals + 1)]];
}

/** An endpoint URL option (--token-url, --issuer, --authority-host): a credential in its query is refused while parsing. */
export function endpointUrlOption(what: string): (value: string) => string {
  return (value) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      return value; // its form is checked with the rest of the settings
    }
    refuseSecretInUrl(url, what);
    return value;
  };
}
