import type { ChalkInstance } from 'chalk';

/** JSON.stringify(value, null, 2) with keys, strings, numbers and literals coloured. */
export function prettyJson(value: unknown, color: ChalkInstance, indent = ''): string {
  if (value === null || typeof value === 'boolean') return color.yellow(String(value));
  if (typeof value === 'number') return color.cyan(JSON.stringify(value));
  if (typeof value === 'string') return color.green(JSON.stringify(value));
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => inner + prettyJson(item, color, inner)).join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    const lines = entries.map(([key, item]) => `${inner}${color.blue(JSON.stringify(key))}: ${prettyJson(item, color, inner)}`);
    return `{\n${lines.join(',\n')}\n${indent}}`;
  }
  return color.dim(JSON.stringify(String(value)));
}
