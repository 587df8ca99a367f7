// Loads and checks a target file: the system under change (hosts, paths, databases, KB, signing key).
import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { errors } from '../errors.js';
import type { TargetInfo } from '../gate.js';
import { parseHost, type HostSpec } from '../context/hosts.js';
import { packagePath } from '../paths.js';
import { schemaProblems } from '../macro/schema-check.js';
import { parseYamlSource } from '../macro/yaml-source.js';

export interface TargetFile {
  name: string;
  description?: string;
  hosts?: Record<string, string | { url: string; identity?: string; known_hosts?: string }>;
  paths?: Record<string, string>;
  values?: Record<string, unknown>;
  databases?: Record<string, { url_env?: string; env_file?: string; key?: string; embedded?: boolean }>;
  kb?: {
    dir?: string;
    database?: string;
    /** Where `gaterun view`'s site is published; KB documents link to their run's page there. */ site_url?: string;
  };
  signing_key?: string;
}

let targetSchema: object | undefined;

/** The target used when none is given: this machine, the current directory. */
export function defaultTarget(): TargetInfo {
  const cwd = process.cwd();
  return {
    name: 'local',
    file: null,
    hosts: { local: 'local' },
    paths: { cwd },
    hostSpecs: { local: { name: 'local', kind: 'local', url: 'local' } },
  };
}

/** Reads a target YAML file; relative paths are resolved against the file's folder. */
export function loadTarget(file: string): TargetInfo {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw errors.usage(`cannot read target file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const src = parseYamlSource(file, text);
  if (src.problems.length) throw errors.targetInvalid(file, src.problems);
  const data = src.doc.toJS() as TargetFile;
  targetSchema ??= JSON.parse(readFileSync(packagePath('schemas', 'target.schema.json'), 'utf8'));
  const problems = schemaProblems(targetSchema!, data, src);
  if (problems.length) throw errors.targetInvalid(file, problems);
  const base = dirname(resolve(file));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const hostSpecs: Record<string, HostSpec> = { local: { name: 'local', kind: 'local', url: 'local' } };
  const hosts: Record<string, string> = { local: 'local' };
  for (const [name, entry] of Object.entries(data.hosts ?? {})) {
    hostSpecs[name] = parseHost(name, entry, base);
    hosts[name] = typeof entry === 'string' ? entry : entry.url;
  }
  const paths = Object.fromEntries(Object.entries(data.paths ?? {}).map(([k, v]) => [k, abs(v)]));
  return {
    name: data.name ?? basename(file),
    file: resolve(file),
    description: data.description,
    hosts,
    hostSpecs,
    paths,
    values: data.values ?? {},
    databases: data.databases ?? {},
    kb: data.kb ? { ...data.kb, dir: data.kb.dir ? abs(data.kb.dir) : undefined } : undefined,
    signing_key: data.signing_key ? abs(data.signing_key) : undefined,
    baseDir: base,
  };
}
