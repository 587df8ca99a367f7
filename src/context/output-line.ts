// The running command's last output line, for progress on screen: complete lines only, redacted, cleaned, throttled.
/** Longest line shown in progress (listr output line, heartbeat `last:`); longer ones end in `…`. */
export const SHOWN_LINE_MAX = 160;
/** Bytes of one line kept while it is still arriving; a longer line keeps its head (the part that is shown). */
const LINE_HEAD_MAX = 4096;
/** A line cut at LINE_HEAD_MAX loses this much more of its end: a secret cut in two there is not redacted, so its head must not be shown either. */
const CUT_MARGIN = 1024;
/** At most this many lines a second leave one command's tracker. */
export const LINES_PER_SECOND = 10;

// CSI (colours, cursor moves), OSC (titles, hyperlinks; ended by BEL or ST) and other two-character escapes.
// eslint-disable-next-line no-control-regex -- matching terminal control sequences is the point
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]/g;
// eslint-disable-next-line no-control-regex -- C0 controls, DEL and C1 controls: none belongs on a progress line
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
// Invisible format characters (zero-width space and joiners, soft hyphen, bidi overrides): a secret with one inside
// escapes a literal match but looks whole on screen, and bidi overrides reorder what a reader sees.
const FORMAT = /\p{Cf}/gu;

/**
 * One output line as it may appear on screen: escape sequences, control and invisible format characters removed,
 * tabs as spaces, trimmed.
 */
export function cleanLine(line: string): string {
  return line.replace(ANSI, '').replace(/\t/g, ' ').replace(CONTROL, '').replace(FORMAT, '').trim();
}

/** Cuts a shown line to `max` characters, marking the cut with `…`. */
export function truncateLine(line: string, max = SHOWN_LINE_MAX): string {
  const chars = [...line];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : line;
}

/** The last non-empty line of a text (a gate's log message may hold several), cleaned and cut for the screen. */
export function shownLine(text: string): string {
  const lines = text
    .split(/[\r\n\0]+/)
    .map(cleanLine)
    .filter(Boolean);
  return truncateLine(lines.pop() ?? '');
}

/**
 * Passes on at most one line per `intervalMs` (default: LINES_PER_SECOND a second); a line offered sooner waits for
 * its turn and is replaced by any later one, so the latest line always shows. One per gate, shared by its commands.
 */
export function throttleLines(emit: (line: string) => void, intervalMs = 1000 / LINES_PER_SECOND): (line: string) => void {
  let pending: string | null = null;
  let lastEmit = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (pending === null) return;
    const line = pending;
    pending = null;
    lastEmit = performance.now();
    emit(line);
  };
  return (line) => {
    pending = line;
    const wait = lastEmit + intervalMs - performance.now();
    if (wait <= 0) flush();
    else if (!timer) {
      timer = setTimeout(flush, wait);
      timer.unref();
    }
  };
}

/**
 * Follows a command's stdout and stderr chunks and passes the last complete non-empty line of each chunk to `emit`
 * (throttle it with throttleLines). A line is passed only once its end (\n, \r or NUL) has arrived: a secret still
 * being written is never shown in part. `redact` sees the raw line and the cleaned one, so an escape sequence inside a
 * secret does not hide it. Cheap per chunk: it works on bytes (a line end is never inside a UTF-8 character), decodes
 * only the line it shows and keeps at most one line's head between chunks.
 */
export class LastLineTracker {
  private readonly partial = new Map<string, Buffer>();

  constructor(
    private readonly emit: (line: string) => void,
    private readonly redact: (s: string) => string,
  ) {}

  /** Feeds one chunk of a stream (`stdout`, `stderr`). */
  push(stream: string, chunk: Buffer | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const before = this.partial.get(stream) ?? EMPTY;
    const lastEnd = Math.max(bytes.lastIndexOf(LF), bytes.lastIndexOf(CR), bytes.lastIndexOf(NUL));
    if (lastEnd < 0) {
      if (before.length < LINE_HEAD_MAX) this.partial.set(stream, keepHead(Buffer.concat([before, bytes])));
      return;
    }
    this.partial.set(stream, keepHead(bytes.subarray(lastEnd + 1), true));
    // The complete lines end at lastEnd; the first of them continues what the stream left unfinished.
    const raw = lastVisibleLine(bytes.subarray(0, lastEnd), before);
    if (raw === null) return;
    const line = truncateLine(this.redact(cleanLine(this.redact(raw))));
    if (line) this.emit(line);
  }
}

const LF = 10;
const CR = 13;
const NUL = 0;
const EMPTY = Buffer.alloc(0);

/** The head of a line that is too long to keep whole (the shown part comes from its start); `copy` detaches it from the chunk. */
function keepHead(b: Buffer, copy = false): Buffer {
  const head = b.length > LINE_HEAD_MAX ? b.subarray(0, LINE_HEAD_MAX) : b;
  return copy ? Buffer.from(head) : head;
}

/**
 * The last line of `bytes` with something visible (the first line is preceded by `before`), decoded (a too-long
 * line: its head), or null.
 * Scans backwards once and decodes at most LINE_HEAD_MAX bytes of each line it looks at.
 */
function lastVisibleLine(bytes: Buffer, before: Buffer): string | null {
  let end = bytes.length;
  for (let i = bytes.length - 1; i >= -1; i--) {
    const c = i >= 0 ? bytes[i] : LF;
    if (c !== LF && c !== CR && c !== NUL) continue;
    const piece = bytes.subarray(i + 1, end);
    const whole = i < 0 && before.length ? Buffer.concat([before, keepHead(piece)]) : keepHead(piece);
    // A line cut at LINE_HEAD_MAX loses CUT_MARGIN more, so no part of a secret cut there can reach the screen.
    const line = (whole.length >= LINE_HEAD_MAX ? whole.subarray(0, LINE_HEAD_MAX - CUT_MARGIN) : whole).toString('utf8');
    if (cleanLine(line)) return line;
    end = i;
  }
  return null;
}
