// Loads and checks a target file: the system under change (hosts, paths, databases, KB, signing key).
import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { errors } from '../errors.js';
import type { TargetInfo } from '../gate.js';
import { parseHost, type HostSpec } from '../context/hosts.js';
import { packagePath } from '../paths.js';
import { schemaProblems } from '../macro/schema-check.js';
import { capProblems, parseYamlSource, positionOf, readUtf8File, sortByLine, yamlData } from '../macro/yaml-source.js';

export interface TargetFile {
  name: string;
  description?: string;
  hosts?: Record<string, string | { url: string; identity?: string; known_hosts?: string }>;
  paths?: Record<string, string>;
  values?: Record<string, unknown>;
  databases?: Record<
    string,
    {
      url_env?: string;
      env_file?: string;
      key?: string;
      embedded?: boolean;
      connect_timeout?: number;
      observer_env?: string;
      watch?: string[];
      ignore?: string[];
      content?: string[];
    }
  >;
  kb?: {
    dir?: string;
    database?: string;
    /** Where `gaterun view`'s site is published; KB documents link to their run's page there. */
    site_url?: string;
  };
  signing_key?: string;
  /** Names of env vars / .env keys whose values are secret (see Redactor.forTarget). */
  secrets?: string[];
  /** Paths a mutating command of each policy scope may write inside the sandbox. */
  scopes?: { source?: string[]; deploy?: string[] };
  /** Protected paths per host: observed before/after the run and after each gate. */
  protect?: Record<string, string[]>;
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
  let read: ReturnType<typeof readUtf8File>;
  try {
    read = readUtf8File(file);
  } catch (e) {
    throw errors.usage(`cannot read target file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (read.text === null) throw errors.targetInvalid(file, [read.problem]);
  const src = parseYamlSource(file, read.text);
  if (src.problems.length) throw errors.targetInvalid(file, capProblems(sortByLine(src.problems)), src.problems.length);
  const parsed = yamlData(src);
  if (parsed.problems.length) throw errors.targetInvalid(file, parsed.problems);
  const data = parsed.data as TargetFile;
  targetSchema ??= JSON.parse(readFileSync(packagePath('schemas', 'target.schema.json'), 'utf8'));
  const problems = schemaProblems(targetSchema!, data, src);
  if (problems.length) throw errors.targetInvalid(file, capProblems(problems), problems.length);
  const base = dirname(resolve(file));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const hostSpecs: Record<string, HostSpec> = { local: { name: 'local', kind: 'local', url: 'local' } };
  const hosts: Record<string, string> = { local: 'local' };
  for (const [name, entry] of Object.entries(data.hosts ?? {})) {
    hostSpecs[name] = parseHost(name, entry, base);
    hosts[name] = typeof entry === 'string' ? entry : entry.url;
  }
  const paths = Object.fromEntries(Object.entries(data.paths ?? {}).map(([k, v]) => [k, abs(v)]));
  const unknownHosts = Object.keys(data.protect ?? {}).filter((h) => !(h in hosts));
  if (unknownHosts.length)
    throw errors.targetInvalid(
      file,
      unknownHosts.map(
        (h) => `${positionOf(src, ['protect'], h)} protect.${h}: unknown host "${h}"; expected one of ${Object.keys(hosts).join(', ')}`,
      ),
    );
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
    secrets: data.secrets ?? [],
    // Relative entries resolve against the target's folder, like paths:.
    scopes: data.scopes ? Object.fromEntries(Object.entries(data.scopes).map(([k, list]) => [k, (list ?? []).map(abs)])) : undefined,
    protect: data.protect ? Object.fromEntries(Object.entries(data.protect).map(([h, list]) => [h, list.map(abs)])) : undefined,
    baseDir: base,
  };
}
