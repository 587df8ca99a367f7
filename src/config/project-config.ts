// The optional project config, gaterun.config.yaml in the working directory: macros dir, reports dir, default target and key.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { errors } from '../errors.js';
import { packagePath } from '../paths.js';
import { didYouMean } from '../did-you-mean.js';
import { parseYamlSource, positionOf, type YamlSource } from '../macro/yaml-source.js';

/** The config file's name, looked up in the working directory. */
export const CONFIG_FILE = 'gaterun.config.yaml';

/** Project defaults; every path is absolute. `file` is null when the project has no config file. */
export interface ProjectConfig {
  file: string | null;
  macros?: string;
  reports?: string;
  target?: string;
  key?: string;
}

const cache = new Map<string, ProjectConfig>();

/** Reads gaterun.config.yaml from `cwd` (none: an empty config); throws ECONFIG naming file:line:col of each problem. */
export function loadProjectConfig(cwd = process.cwd()): ProjectConfig {
  const file = join(resolve(cwd), CONFIG_FILE);
  const hit = cache.get(file);
  if (hit) return hit;
  if (!existsSync(file)) return { file: null };
  const src = parseYamlSource(file, readFileSync(file, 'utf8'));
  if (src.problems.length) throw errors.configInvalid(file, src.problems);
  const data = (src.doc.toJS() ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof data !== 'object' || Array.isArray(data)) problems.push(`${file}:1:1 expected a mapping with macros, reports, target or key`);
  else problems.push(...configSchemaProblems(data, src));
  const base = dirname(file);
  const abs = (p: unknown) => (typeof p === 'string' ? (isAbsolute(p) ? p : resolve(base, p)) : undefined);
  const config: ProjectConfig = {
    file,
    macros: abs(data.macros),
    reports: abs(data.reports),
    target: abs(data.target),
    key: abs(data.key),
  };
  if (!problems.length) {
    if (config.macros && !statSync(config.macros, { throwIfNoEntry: false })?.isDirectory())
      problems.push(`${positionOf(src, ['macros'])} macros: folder ${config.macros} does not exist`);
    for (const k of ['target', 'key'] as const)
      if (config[k] && !existsSync(config[k])) problems.push(`${positionOf(src, [k])} ${k}: file ${config[k]} does not exist`);
  }
  if (problems.length) throw errors.configInvalid(file, problems);
  cache.set(file, config);
  return config;
}

interface ConfigSchema {
  properties: Record<string, { type: string; description: string }>;
}

/** The schema is flat (four optional non-empty strings), so it is applied here without ajv: `gaterun list` stays light. */
function configSchemaProblems(data: Record<string, unknown>, src: YamlSource): string[] {
  const schema = JSON.parse(readFileSync(packagePath('schemas', 'config.schema.json'), 'utf8')) as ConfigSchema;
  const allowed = Object.keys(schema.properties);
  const problems: string[] = [];
  for (const [k, v] of Object.entries(data)) {
    if (!allowed.includes(k)) {
      const hint = didYouMean(k, allowed);
      problems.push(
        `${positionOf(src, [], k)} ${k}: unknown key${hint ? `; did you mean "${hint}"?` : ''} (allowed keys: ${allowed.join(', ')})`,
      );
    } else if (typeof v !== 'string' || !v)
      problems.push(
        `${positionOf(src, [k])} ${k}: expected a non-empty string (${schema.properties[k].description}), got ${JSON.stringify(v)}`,
      );
  }
  return problems;
}
