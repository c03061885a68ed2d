/**
 * The live terminal view of `lbua watch` on a TTY: one frame a second of what the analysis sees now.
 *
 * renderFrame() is pure: a LiveStatus and a terminal size in, the frame's text out, at most `rows` lines of at most
 * `cols` columns each (nothing wraps: text is cut with "…"; wide characters count two columns). All log-derived
 * text (inputs, clients, endpoints, subjects, titles) has control characters stripped. Colour comes only from the
 * Style given (report/style.ts): makeStyle(false) gives plain text.
 *
 * Layout, top to bottom: a header (inputs, watermark, lag, lines/s); the current minute (requests/min with a
 * sparkline of the last minutes, 5xx and 4xx rates, p95); open incidents, most severe first (severity, detector,
 * subject, window, title); top clients and endpoints (side by side when there is room); recently closed incidents;
 * and a footer (state held, how to quit). On a short terminal the later sections get fewer lines first.
 *
 * startView() runs it: alternate screen and hidden cursor, a redraw every `intervalMs` and on resize, raw-mode keys
 * (q, Q, Ctrl-C quit: the terminal is restored, then onQuit is called). The terminal is restored by stop(), on quit,
 * and when the process exits (an exception included), whichever comes first.
 */
import type { ReportFinding } from '../core/report-types';
import { appendAll, maxOf } from '../core/arrays';
import { stripControl } from '../core/text';
import { makeStyle, colorEnabled, type Style } from '../report/style';
import type { LiveStatus, LiveTalker } from './types';

/** A piece of a line: its text (already safe) and how it is coloured. */
type Seg = readonly [text: string, paint?: (s: string) => string];

const SEVERITY_RANK: Readonly<Record<ReportFinding['severity'], number>> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
const SEVERITY_LABEL: Readonly<Record<ReportFinding['severity'], string>> = { critical: 'CRIT', high: 'HIGH', medium: 'MED ', low: 'LOW ', info: 'INFO' };
const SPARK = '▁▂▃▄▅▆▇█';

/** Columns a code point takes on a terminal: 0 for combining and zero-width marks, 2 for wide (East Asian, emoji), else 1. */
function cpWidth(cp: number): number {
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200d) || (cp >= 0xfe00 && cp <= 0xfe0f) || cp === 0xfeff) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff)
    || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6)
    || (cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd)
  ) return 2;
  return 1;
}

/** Columns `s` takes (no escape sequences in it). */
export function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += cpWidth(ch.codePointAt(0) ?? 0);
  return w;
}

/** `s` cut to at most `w` columns, with "…" when cut. */
export function cutTo(s: string, w: number): string {
  if (w <= 0) return '';
  if (textWidth(s) <= w) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const cw = cpWidth(ch.codePointAt(0) ?? 0);
    if (used + cw > w - 1) break;
    out += ch;
    used += cw;
  }
  return `${out}…`;
}

/** `s` padded with spaces (or cut) to exactly `w` columns. */
function padTo(s: string, w: number): string {
  const c = cutTo(s, w);
  return c + ' '.repeat(Math.max(0, w - textWidth(c)));
}

/** Log-derived text on one line: line breaks and tabs as spaces, control characters stripped. */
function clean(s: string): string {
  return stripControl(s.replace(/[\r\n\t\u2028\u2029]/g, ' '));
}

/** Segments joined and cut to `cols` columns; each segment keeps its colour, the cut one too. */
function line(segs: readonly Seg[], cols: number): string {
  let out = '';
  let left = cols;
  for (const [text, paint] of segs) {
    if (left <= 0) break;
    const w = textWidth(text);
    const piece = w <= left ? text : cutTo(text, left);
    left -= w <= left ? w : textWidth(piece);
    if (piece !== '') out += paint === undefined ? piece : paint(piece);
    if (w > textWidth(piece)) break;
  }
  return out;
}

/** "1,234". */
function num(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A share 0..1 as "1.2%". */
function pct(share: number): string {
  if (!Number.isFinite(share)) return '-';
  if (share > 0 && share < 0.001) return '<0.1%';
  return `${(share * 100).toFixed(1)}%`;
}

/** "12s", "4m05s", "2h03m". */
function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A sparkline of the last `width` values, scaled to their maximum. */
export function sparkline(series: readonly number[], width: number): string {
  if (width <= 0 || series.length === 0) return '';
  const tail = series.slice(-width);
  const max = maxOf(tail.map((v) => (Number.isFinite(v) ? v : 0)), 0);
  return tail.map((v) => (max <= 0 || !Number.isFinite(v) || v <= 0 ? SPARK[0] : SPARK[Math.min(7, Math.round((v / max) * 7))])).join('');
}

/** "06:18–06:24" (UTC; the start's date too when the window spans days). */
function windowText(w: ReportFinding['window']): string {
  const time = (iso: string): string => iso.slice(11, 16);
  const sameDay = w.start.slice(0, 10) === w.end.slice(0, 10);
  return sameDay ? `${time(w.start)}–${time(w.end)}` : `${w.start.slice(5, 10)} ${time(w.start)}–${w.end.slice(5, 10)} ${time(w.end)}`;
}

function severityPaint(st: Style, s: ReportFinding['severity']): (x: string) => string {
  if (s === 'critical') return (x) => st.bold(st.red(x));
  if (s === 'high') return st.red;
  if (s === 'medium') return st.yellow;
  if (s === 'low') return st.cyan;
  return st.dim;
}

/** One incident on one line: severity, detector, subject, window, title. */
function incidentLine(f: ReportFinding, cols: number, st: Style): string {
  const subject = `${clean(f.subject.type)} ${clean(f.subject.value)}`;
  const subjectW = Math.max(8, Math.min(32, Math.floor(cols / 4)));
  const detectorW = cols < 60 ? 10 : cols < 100 ? 14 : 20;
  return line([
    [' '],
    [SEVERITY_LABEL[f.severity] ?? clean(String(f.severity)), severityPaint(st, f.severity)],
    [' '],
    [padTo(clean(f.detector), detectorW), st.bold],
    [' '],
    [padTo(subject, subjectW)],
    [' '],
    [windowText(f.window), st.dim],
    ['  '],
    [clean(f.title)],
  ], cols);
}

/** A top-talkers column: a header and one row per talker, each exactly `w` columns. */
function talkerColumn(title: string, rows: readonly LiveTalker[], n: number, w: number, st: Style): string[] {
  const numW = 9;
  const errW = 8;
  const keyW = Math.max(4, w - numW - errW - 2);
  const out = [line([[padTo(title, keyW + 1), st.bold], [padTo('req'.padStart(numW - 1), numW), st.dim], [padTo('err'.padStart(errW), errW), st.dim]], w)];
  for (const t of rows.slice(0, n)) {
    const errs = t.errors > 0 ? num(t.errors).padStart(errW) : '-'.padStart(errW);
    out.push(line([[' '], [padTo(clean(t.key), keyW)], [padTo(num(t.requests).padStart(numW), numW)], [errs, t.errors > 0 ? st.red : st.dim]], w));
  }
  return out;
}

/** Sorts open incidents most severe first (then the earliest, then by id): the view does not trust the order it is given. */
function bySeverity(open: readonly ReportFinding[]): ReportFinding[] {
  return [...open].sort((a, b) => (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) || (a.window.start < b.window.start ? -1 : a.window.start > b.window.start ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The frame for `status` on a `cols` × `rows` terminal: at most `rows` lines, none wider than `cols` columns. */
export function renderFrame(status: LiveStatus, cols: number, rows: number, style: Style): string {
  const st = style;
  const w = Math.max(1, Math.floor(cols));
  const h = Math.max(1, Math.floor(rows));
  const inputs = status.inputs.map(clean).join(', ');
  const watermark = status.watermark === null ? 'waiting for records' : `${clean(status.watermark).replace('T', ' ').slice(0, 19)}Z`;
  const lag = status.lag_seconds === null ? '' : `lag ${duration(status.lag_seconds)}`;
  const header = line([
    ['lbua watch', st.bold],
    ['  '],
    [`${num(status.lines_per_second)} lines/s`],
    ['  '],
    [lag, status.lag_seconds !== null && status.lag_seconds > 300 ? st.yellow : st.dim],
    ['  '],
    [watermark, st.dim],
    ['  '],
    [inputs, st.cyan],
  ], w);
  const rateSegs: Seg[] = [
    ['req/min ', st.dim],
    [num(status.requests_per_minute), st.bold],
    ['  5xx ', st.dim],
    [pct(status.error_rate_5xx), status.error_rate_5xx >= 0.05 ? st.red : (x: string) => x],
    ['  4xx ', st.dim],
    [pct(status.error_rate_4xx), status.error_rate_4xx >= 0.2 ? st.yellow : (x: string) => x],
    ['  p95 ', st.dim],
    [status.p95_ms === null ? '-' : `${num(status.p95_ms)} ms`],
  ];
  // The sparkline takes what is left of the line (one character a minute, the newest on the right).
  const used = rateSegs.reduce((a, [t]) => a + textWidth(t), 0);
  const rates: Seg[] = [...rateSegs, ['  '], [sparkline(status.rpm_series, Math.min(60, w - used - 2)), st.green]];
  const footer = line([[`state ${(status.state_bytes / 1e6).toFixed(1)} MB`, st.dim], ['  ·  '], ['q', st.bold], [' quit', st.dim]], w);

  const top = [header, line(rates, w)];
  if (h <= 2) return top.slice(0, h).join('\n');
  const budget = h - top.length - 1;

  const open = bySeverity(status.open);
  const closed = status.recently_closed;
  const wide = w >= 80;
  const gap = budget >= 14 ? 1 : 0;
  const clients = status.top_clients.length;
  const endpoints = status.top_endpoints.length;
  // Lines each section wants (titles and the gap before the talkers included), then what each gets: incidents
  // first, but the talkers and the closed list keep a few lines each while the terminal has room for them.
  const wantOpen = 1 + Math.max(1, open.length);
  const wantTalk = clients + endpoints === 0 ? 0 : gap + (wide ? 1 + Math.max(clients, endpoints) : (clients > 0 ? 1 + clients : 0) + (endpoints > 0 ? 1 + endpoints : 0));
  const wantClosed = closed.length === 0 ? 0 : 1 + closed.length;
  const keepTalk = Math.min(wantTalk, budget >= 14 ? 6 : budget >= 9 ? 3 : 0);
  const keepClosed = Math.min(wantClosed, budget >= 16 ? 3 : 0);
  const gotOpen = Math.max(Math.min(2, budget), Math.min(wantOpen, budget - keepTalk - keepClosed));
  const gotTalk = Math.min(wantTalk, Math.max(0, budget - gotOpen - keepClosed));
  const gotClosed = Math.min(wantClosed, Math.max(0, budget - gotOpen - gotTalk));

  const body: string[] = [];
  body.push(line([[`Open incidents (${open.length})`, st.bold]], w));
  if (open.length === 0) body.push(line([[' none', st.dim]], w));
  else {
    const shown = open.length <= gotOpen - 1 ? open.length : Math.max(0, gotOpen - 2);
    for (const f of open.slice(0, shown)) body.push(incidentLine(f, w, st));
    if (shown < open.length) body.push(line([[` … ${open.length - shown} more`, st.dim]], w));
  }
  body.length = Math.min(body.length, gotOpen);
  const room = gotTalk - gap;
  if (room >= 2) {
    if (gap > 0) body.push('');
    if (wide) {
      // Side by side: two columns of (w - 3) / 2 with three spaces between.
      const half = Math.floor((w - 3) / 2);
      const left = talkerColumn('Top clients', status.top_clients, room - 1, half, st);
      const right = talkerColumn('Top endpoints', status.top_endpoints, room - 1, half, st);
      for (let i = 0; i < Math.max(left.length, right.length); i++) body.push(`${padVisible(left[i] ?? '', half)}   ${right[i] ?? ''}`);
    } else if (room >= 4 && clients > 0 && endpoints > 0) {
      // One under the other: the rows shared out, clients first.
      const nc = Math.min(clients, Math.ceil((room - 2) / 2));
      appendAll(body, talkerColumn('Top clients', status.top_clients, nc, w, st));
      appendAll(body, talkerColumn('Top endpoints', status.top_endpoints, room - 2 - nc, w, st));
    } else if (clients > 0) appendAll(body, talkerColumn('Top clients', status.top_clients, room - 1, w, st));
    else appendAll(body, talkerColumn('Top endpoints', status.top_endpoints, room - 1, w, st));
  }
  if (gotClosed >= 2 && body.length + 2 <= budget) {
    body.push(line([[`Recently closed (${closed.length})`, st.bold]], w));
    for (const f of closed.slice(0, Math.min(gotClosed - 1, budget - body.length))) body.push(incidentLine(f, w, st));
  }
  const lines = [...top, ...body.slice(0, budget)];
  while (lines.length < h - 1) lines.push('');
  lines.push(footer);
  return lines.join('\n');
}

/** A coloured cell padded with spaces to `w` visible columns (it is never wider: line() cut it). */
function padVisible(s: string, w: number): string {
  // eslint-disable-next-line no-control-regex
  const plain = s.replace(/\x1b\[[0-9;]*m/g, '');
  return s + ' '.repeat(Math.max(0, w - textWidth(plain)));
}

export interface ViewOptions {
  /**
   * The keyboard. Keys are read only when it is a TTY (raw mode); anything else is left alone, so that with
   * `lbua watch -` the logs on stdin are not eaten as keys (open /dev/tty as a tty.ReadStream for the keys then).
   */
  readonly input: NodeJS.ReadStream;
  readonly output: NodeJS.WriteStream;
  /** The status to draw; called for every frame. */
  readonly status: () => LiveStatus;
  readonly intervalMs?: number;
  /** Called after the terminal is restored when the user quits (q, Q, Ctrl-C). */
  readonly onQuit: () => void;
  /** Colour (default: colour when the output is a TTY and NO_COLOR is not set). */
  readonly style?: Style;
}

// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;
const ENTER = '\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J';
const LEAVE = '\x1b[?25h\x1b[?1049l';

/** Runs the live view until stop() or a quit key; see the module comment. */
export function startView(options: ViewOptions): { stop(): void } {
  const { input, output } = options;
  const style = options.style ?? makeStyle(colorEnabled(output, false));
  const raw = input.isTTY === true && typeof input.setRawMode === 'function';
  let stopped = false;

  const restore = (): void => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    output.off('resize', draw);
    input.off('data', onKey);
    process.off('exit', restore);
    if (raw) {
      try {
        input.setRawMode(false);
      } catch {
        // The terminal is gone.
      }
      input.pause();
    }
    output.write(LEAVE);
  };

  function draw(): void {
    if (stopped) return;
    const cols = (output.columns ?? 0) > 0 ? output.columns : 80;
    const rows = (output.rows ?? 0) > 0 ? output.rows : 24;
    let frame: string;
    try {
      frame = renderFrame(options.status(), cols, rows, style);
    } catch (e) {
      restore();
      throw e;
    }
    // Home, each line cleared after its end, the rest of the screen cleared: no flicker, no leftovers after a
    // resize. A line as wide as the terminal is not followed by a clear: the cursor still sits on its last column
    // (the wrap is pending), and the clear would erase that character.
    const body = frame.split('\n').map((l) => (textWidth(l.replace(SGR, '')) < cols ? `${l}\x1b[K` : l));
    const full = body.length > 0 && !(body[body.length - 1] ?? '').endsWith('\x1b[K');
    output.write(`\x1b[H${body.join('\r\n')}${full ? '' : '\x1b[J'}`);
  }

  function onKey(data: Buffer | string): void {
    const s = typeof data === 'string' ? data : data.toString('latin1');
    if (/[qQ\x03]/.test(s)) {
      restore();
      options.onQuit();
    }
  }

  output.write(ENTER);
  process.on('exit', restore);
  if (raw) {
    input.setRawMode(true);
    input.on('data', onKey);
    input.resume();
  }
  output.on('resize', draw);
  const timer = setInterval(draw, options.intervalMs ?? 1000);
  draw();
  return { stop: restore };
}
