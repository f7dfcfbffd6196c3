import type { ChalkInstance } from 'chalk';

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

/**
 * chalk at level 0 (text unchanged, several arguments joined by spaces, any chain of styles), without
 * loading chalk: building its style tables is a noticeable part of a start, and scripts and pipes get
 * no colour anyway.
 */
export const PLAIN: ChalkInstance = new Proxy(Object.assign((...text: unknown[]) => (text.length === 1 ? `${text[0]}` : text.join(' ')), { level: 0 }), {
  get: (target, key) => (key === 'level' ? 0 : key in Function.prototype ? Reflect.get(target, key) : PLAIN),
}) as unknown as ChalkInstance;

/** Makes the colours for each level; chalk is loaded only when some level is above 0. */
export async function colorMaker(levels: readonly ColorLevel[]): Promise<(level: ColorLevel) => ChalkInstance> {
  if (levels.every((level) => level === 0)) return () => PLAIN;
  const { Chalk } = await import('chalk');
  return (level) => (level === 0 ? PLAIN : new Chalk({ level }));
}
