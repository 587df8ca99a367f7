// Markdown → HTML for the reports: markdown-it with raw HTML off, links sanitised, "Report 03" made a link.
import MarkdownIt from 'markdown-it';

type Token = ReturnType<MarkdownIt['parse']>[number];

/** How a report refers to its siblings: report number → page href, already URL-encoded (e.g. "03" → "03-baseline-tests.html"). */
export interface ReportLinks {
  byNumber: Map<string, string>;
  /** Report file name (01-x.md) → page (01-x.html). */
  byFile: Map<string, string>;
}

const SAFE_ABSOLUTE = /^(https?:|mailto:)/i;
const REPORT_REF = /\bReport (\d{2,3})\b/g;
const SIBLING_REPORT = /^\.\.\/(\d{8}T\d{6}Z-[a-z0-9-]+)\/(\d{2,3}-[a-z0-9-]+)\.md$/;

/** The page a link in a report should point to, or null when it must not be a link. */
function resolveHref(url: string, links: ReportLinks): string | null {
  const u = url.trim();
  if (u.startsWith('#')) return u;
  if (SAFE_ABSOLUTE.test(u)) return u;
  if (/^[a-z][a-z0-9+.-]*:/i.test(u) || u.startsWith('//')) return null; // javascript:, file:, data:, protocol-relative …
  const [path, frag] = u.split('#', 2);
  // A resumed run links the report of the run it reused a gate from: a sibling run dir, whose page the site builds too.
  const sibling = SIBLING_REPORT.exec(path);
  if (sibling) return `../${sibling[1]}/${sibling[2]}.html`;
  const page = links.byFile.get(decodeURIComponent(path.replace(/^\.\//, '')));
  return page ? `${page}${frag && !page.includes('#') ? `#${encodeURIComponent(frag)}` : ''}` : null;
}

function linkReports(
  children: Token[],
  links: ReportLinks,
  self: string | undefined,
  TokenCtor: new (type: string, tag: string, nesting: -1 | 0 | 1) => Token,
): Token[] {
  const out: Token[] = [];
  let inLink = 0;
  for (const t of children) {
    if (t.type === 'link_open') inLink++;
    if (t.type === 'link_close') inLink--;
    if (t.type !== 'text' || inLink > 0 || !REPORT_REF.test(t.content)) {
      out.push(t);
      continue;
    }
    REPORT_REF.lastIndex = 0;
    let last = 0;
    for (const m of t.content.matchAll(REPORT_REF)) {
      const page = links.byNumber.get(m[1]);
      if (!page || m[1] === self) continue;
      const before = new TokenCtor('text', '', 0);
      before.content = t.content.slice(last, m.index);
      const open = new TokenCtor('link_open', 'a', 1);
      open.attrs = [
        ['href', page],
        ['class', 'report-ref'],
      ];
      const text = new TokenCtor('text', '', 0);
      text.content = m[0];
      const close = new TokenCtor('link_close', 'a', -1);
      out.push(before, open, text, close);
      last = m.index + m[0].length;
    }
    const rest = new TokenCtor('text', '', 0);
    rest.content = t.content.slice(last);
    out.push(rest);
  }
  return out;
}

/** A renderer for one bundle's reports (self: the number of the report being rendered, not linked to itself). Raw HTML is disabled. */
export function createMarkdown(links: ReportLinks): (src: string, self?: string) => string {
  return (src: string, self?: string) => markdown().render(src, { self, links });
}

let shared: MarkdownIt | undefined;

/** One markdown-it instance for every report (building one per bundle costs more than rendering); links come in env. */
function markdown(): MarkdownIt {
  if (shared) return shared;
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
  shared = md;
  // Every link is decided by resolveHref below; markdown-it's own check only needs to let the text through.
  md.validateLink = () => true;
  md.core.ruler.push('gaterun_links', (state) => {
    const env = state.env as { self?: string; links: ReportLinks };
    const links = env.links;
    for (const block of state.tokens) {
      if (block.type !== 'inline' || !block.children) continue;
      block.children = linkReports(block.children, links, state.env?.self, state.Token);
      for (const t of block.children) {
        if (t.type === 'link_open') {
          const raw = t.attrGet('href') ?? '';
          if (t.attrGet('class') === 'report-ref') continue;
          const target = resolveHref(raw, links);
          if (target === null) {
            // Not a link the site can follow (file://, javascript:, a path outside the bundle): keep the text, show the URL.
            t.tag = 'span';
            t.attrs = [
              ['class', 'nolink'],
              ['title', raw],
            ];
            continue;
          }
          t.attrSet('href', target);
          if (SAFE_ABSOLUTE.test(target)) t.attrSet('rel', 'noopener noreferrer nofollow');
        }
        if (t.type === 'image') {
          // Nothing is loaded from elsewhere: an image is shown as its alt text.
          t.type = 'text';
          t.content = `[image: ${t.content || t.attrGet('alt') || ''}]`;
          t.children = null;
        }
      }
      // Fix link_close tags to match their (possibly rewritten) opens.
      const stack: Token[] = [];
      for (const t of block.children) {
        if (t.type === 'link_open') stack.push(t);
        else if (t.type === 'link_close') t.tag = stack.pop()?.tag ?? 'a';
      }
    }
  });
  return md;
}
