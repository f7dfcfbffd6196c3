/** The shells `tokenctl completion` writes a script for: tiny, so cli.ts can import it eagerly. */
export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;
export type Shell = (typeof SHELLS)[number];
