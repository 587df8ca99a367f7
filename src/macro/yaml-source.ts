// YAML parsing that keeps source positions, so every error can name file:line:column.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Document, LineCounter, Node, Pair, YAMLMap } from 'yaml';

// yaml is loaded on first use (a sync require of the same CommonJS build `import` resolves to under Node): `list` and
// a missing macro file then answer without loading the parser.
let yamlModule: typeof Yaml | undefined;
const yaml = () => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof Yaml);
const isMap = (n: unknown): n is YAMLMap => yaml().isMap(n);
const isSeq = (n: unknown): n is Yaml.YAMLSeq => yaml().isSeq(n);
const isPair = (n: unknown): n is Pair => yaml().isPair(n);
const isScalar = (n: unknown): n is Yaml.Scalar => yaml().isScalar(n);

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** file:line:col problems found while parsing (syntax, duplicate keys). */
  problems: string[];
}

/** Problems (`file:line:col …`) in line order; stable, and one regex per problem (not one per comparison). */
export function sortByLine(problems: string[]): string[] {
  return problems
    .map((p, i) => ({ p, i, line: Number(/:(\d+):\d+ /.exec(p)?.[1] ?? 0) }))
    .sort((a, b) => a.line - b.line || a.i - b.i)
    .map((x) => x.p);
}

/** At most this many problems are listed; the rest are counted ("… and N more"). */
export const MAX_PROBLEMS = 50;

/** The first `max` problems, then one line counting the rest. */
export function capProblems(problems: string[], max = MAX_PROBLEMS): string[] {
  if (problems.length <= max) return problems;
  return [
    ...problems.slice(0, max),
    `… and ${problems.length - max} more problems (fix these first; \`gaterun plan\` lists the next ones)`,
  ];
}

/**
 * Parses YAML text, collecting syntax errors with positions instead of throwing. Duplicate keys are found here
 * with one Set per mapping: yaml's own `uniqueKeys` compares every key with every earlier one (quadratic:
 * 40k keys took 50 s).
 */
export function parseYamlSource(file: string, text: string): YamlSource {
  // `run` parses the macro once to see whether it needs a target and once to load it: the second parse of the same
  // text is the first one's document (never changed after parsing) with a problem list of its own.
  if (lastParsed && lastParsed.src.file === file && lastParsed.text === text)
    return { ...lastParsed.src, problems: [...lastParsed.src.problems] };
  const src = parseFresh(file, text);
  lastParsed = { text, src: { ...src, problems: [...src.problems] } };
  return src;
}

let lastParsed: { text: string; src: YamlSource } | undefined;

function parseFresh(file: string, text: string): YamlSource {
  const { LineCounter, parseDocument, visit } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: false });
  const where = (offset: number | undefined) => {
    if (offset === undefined) return file;
    const { line, col } = lines.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const problems = [...doc.errors, ...doc.warnings].map((e) => {
    const pos = e.linePos?.[0];
    return `${pos ? `${file}:${pos.line}:${pos.col}` : file} ${yamlMessage(e.code, e.message)}`;
  });
  visit(doc, {
    Map(_k, map) {
      const keys = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (keys.has(pair.key.value))
          problems.push(
            `${where(pair.key.range?.[0])} ${yamlMessage('DUPLICATE_KEY', `Map keys must be unique ("${String(pair.key.value)}")`)}`,
          );
        else keys.add(pair.key.value);
      }
    },
  });
  return { file, doc, lines, problems };
}

/**
 * The plain data of a parsed document. Aliases are expanded at most yaml's default 100 times per anchor use
 * (a "billion laughs" file would otherwise eat the memory); more is a problem at the first alias, not a crash.
 */
export function yamlData(src: YamlSource): { data: unknown; problems: string[] } {
  try {
    return { data: src.doc.toJS({ maxAliasCount: 100 }), problems: [] };
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    let at: number | undefined;
    const { visit } = yaml();
    visit(src.doc, {
      Alias(_k, node) {
        at = node.range?.[0];
        return visit.BREAK;
      },
    });
    const { line, col } = src.lines.linePos(at ?? 0);
    return {
      data: undefined,
      problems: [
        `${src.file}:${line}:${col} YAML aliases expand too far (${e.message.replace(/\.$/, '')}); a file that multiplies aliases (a "billion laughs") is refused`,
      ],
    };
  }
}

/**
 * Reads a YAML file as strict UTF-8: invalid bytes are a problem at their line:column, never replaced by U+FFFD.
 * Returns the text, or null and the problem; a file that cannot be read throws the fs error.
 */
export function readUtf8File(file: string): { text: string; problem: null } | { text: null; problem: string } {
  const bytes = readFileSync(file);
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), problem: null };
  } catch {
    const bad = firstInvalidUtf8(bytes);
    const lineStart = bytes.lastIndexOf(0x0a, bad - 1) + 1;
    const line = bytes.subarray(0, lineStart).filter((b) => b === 0x0a).length + 1;
    const col = bytes.subarray(lineStart, bad).toString('utf8').length + 1;
    const hex = [...bytes.subarray(bad, Math.min(bad + 4, bytes.length))].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    return { text: null, problem: `${file}:${line}:${col} invalid UTF-8 (bytes ${hex} at byte offset ${bad}); save the file as UTF-8` };
  }
}

/** Byte offset of the first byte that does not start a valid UTF-8 sequence (-1 when all are valid). */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (!n || i + n >= b.length) return i;
    for (let k = 1; k <= n; k++) if ((b[i + k] & 0xc0) !== 0x80) return i;
    // overlong forms, UTF-16 surrogates, above U+10FFFF
    const c1 = b[i + 1];
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f) || (c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return i;
    i += n + 1;
  }
  return -1;
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  const hints: Record<string, string> = {
    BAD_INDENT: 'bad indentation',
    DUPLICATE_KEY: 'duplicate key',
    MISSING_CHAR: 'missing character',
    TAB_AS_INDENT: 'tabs are not allowed for indentation; use spaces',
  };
  return `YAML syntax error: ${hints[code] ? `${hints[code]} — ` : ''}${first}`;
}

/** Renders a data path like ['gates', 2, 'with', 'x'] as `gates[2].with.x`. */
export function dottedPath(path: (string | number)[]): string {
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '') || '(top level)';
}

/** Finds `file:line:col` of the node at a data path; `key` points at a map key instead of its value. */
export function positionOf(src: YamlSource, path: (string | number)[], key?: string): string {
  let node: unknown = src.doc.contents;
  let best: Node | null = (node as Node) ?? null;
  for (const seg of path) {
    const next = childOf(node, seg);
    if (!next) break;
    node = next.value;
    best = (next.key ?? next.value ?? best) as Node;
    if (next.value) best = next.value as Node;
  }
  if (key !== undefined && isMap(node)) {
    const pair = pairsOf(node).get(key);
    if (pair && isScalar(pair.key)) best = pair.key;
  }
  const offset = best?.range?.[0] ?? 0;
  const { line, col } = src.lines.linePos(offset);
  return `${src.file}:${line}:${col}`;
}

// Key → pair of each mapping, built once: looking keys up by scanning made N problems in one mapping cost N².
const pairIndex = new WeakMap<YAMLMap, Map<unknown, Pair>>();
function pairsOf(map: YAMLMap): Map<unknown, Pair> {
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    for (const p of map.items) if (isPair(p) && isScalar(p.key) && !index.has(p.key.value)) index.set(p.key.value, p);
    pairIndex.set(map, index);
  }
  return index;
}

function childOf(node: unknown, seg: string | number): { key?: unknown; value: unknown } | null {
  if (isMap(node)) {
    const pair = pairsOf(node).get(seg);
    return pair ? { key: pair.key, value: pair.value ?? pair.key } : null;
  }
  if (isSeq(node) && typeof seg === 'number') {
    const item = node.items[seg];
    return item ? { value: item } : null;
  }
  return null;
}
