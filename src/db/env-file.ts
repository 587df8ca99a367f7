// The one .env reader of gaterun (database URLs and the redaction set both read .env files through it).
import { parse } from 'dotenv';

/**
 * Parses the text of a .env file with dotenv's rules: KEY=VALUE lines, `export ` prefix, `#` comments
 * (also after a quoted value), single, double and backtick quotes; double-quoted values may span lines
 * and expand `\n` and `\r`.
 */
export function parseEnvText(text: string): Record<string, string> {
  return parse(text);
}
