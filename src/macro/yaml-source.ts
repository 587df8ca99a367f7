// YAML parsing that keeps source positions, so every error can name file:line:column.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** file:line:col problems found while parsing (syntax, duplicate keys). */
  problems: string[];
}

/** Parses YAML text, collecting syntax errors with positions instead of throwing. */
export function parseYamlSource(file: string, text: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const problems = [...doc.errors, ...doc.warnings].map((e) => {
    const pos = e.linePos?.[0];
    const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
    return `${where} ${yamlMessage(e.code, e.message)}`;
  });
  return { file, doc, lines, problems };
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
  if (key !== undefined) {
    const pair = isMap(node) ? node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key) : undefined;
    if (pair && isScalar(pair.key)) best = pair.key;
  }
  const offset = best?.range?.[0] ?? 0;
  const { line, col } = src.lines.linePos(offset);
  return `${src.file}:${line}:${col}`;
}

function childOf(node: unknown, seg: string | number): { key?: unknown; value: unknown } | null {
  if (isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && p.key.value === seg);
    return pair ? { key: pair.key, value: pair.value ?? pair.key } : null;
  }
  if (isSeq(node) && typeof seg === 'number') {
    const item = node.items[seg];
    return item ? { value: item } : null;
  }
  return null;
}
