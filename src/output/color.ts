import { Chalk, type ChalkInstance } from 'chalk';

export type ColorLevel = 0 | 1 | 2 | 3;

export interface ColorInputs {
  isTTY: boolean;
  env: Record<string, string | undefined>;
  /** false when the user passed --no-color. */
  colorFlag: boolean;
}

/**
 * Colour depth for one stream. Precedence: --no-color, then FORCE_COLOR, then NO_COLOR (any
 * non-empty value), then whether the stream is a terminal.
 */
export function colorLevel({ isTTY, env, colorFlag }: ColorInputs): ColorLevel {
  if (!colorFlag) return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force.toLowerCase() === 'false') return 0;
    if (force === '2' || force === '3') return Number(force) as ColorLevel;
    return 1;
  }
  if (env.NO_COLOR) return 0;
  if (!isTTY || env.TERM === 'dumb') return 0;
  if (env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit') return 3;
  if (env.TERM?.includes('256')) return 2;
  return 1;
}

export function makeColor(level: ColorLevel): ChalkInstance {
  return new Chalk({ level });
}
