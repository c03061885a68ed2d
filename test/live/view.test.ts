/**
 * The live terminal view's frame (live/view.ts renderFrame): fits every terminal size without wrapping, shows the
 * numbers and incidents of the status (most severe first), strips control characters from log text, and has colour
 * only when the style has it.
 */
import { renderFrame, sparkline, textWidth } from '../../src/live/view';
import { makeStyle } from '../../src/report/style';
import { busyStatus, finding, talkers } from '../helpers/live-status';
import type { LiveStatus } from '../../src/live/types';

const plain = makeStyle(false);
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const lines = (frame: string): string[] => frame.split('\n');
/** Widest line of a frame, in terminal columns (colour codes do not count). */
const widest = (frame: string): number => Math.max(...lines(frame).map((l) => textWidth(l.replace(ANSI, ''))));

const EMPTY: LiveStatus = {
  inputs: ['-'], watermark: null, lag_seconds: null, lines_per_second: 0, requests_per_minute: 0, rpm_series: [],
  error_rate_5xx: 0, error_rate_4xx: 0, p95_ms: null, top_clients: [], top_endpoints: [], open: [], recently_closed: [],
  state_bytes: 0,
};

describe('renderFrame', () => {
  const sizes: [number, number][] = [[40, 12], [41, 13], [57, 19], [80, 24], [100, 18], [120, 40], [200, 60], [79, 30]];

  it.each(sizes)('fits %i×%i exactly: no line wider, no more lines than the terminal', (cols, rows) => {
    for (const status of [busyStatus(), EMPTY]) {
      const frame = renderFrame(status, cols, rows, plain);
      expect(lines(frame)).toHaveLength(rows);
      expect(widest(frame)).toBeLessThanOrEqual(cols);
      expect(lines(frame)[0]).toMatch(/^lbua watch/);
      expect(lines(frame)[rows - 1]).toMatch(/q quit/);
    }
  });

  it('still fits a terminal smaller than 40×12 (cut, never wrapped)', () => {
    for (const [cols, rows] of [[20, 5], [10, 3], [1, 1], [39, 11]] as const) {
      const frame = renderFrame(busyStatus(), cols, rows, plain);
      expect(lines(frame).length).toBeLessThanOrEqual(rows);
      expect(widest(frame)).toBeLessThanOrEqual(cols);
    }
  });

  it('shows the header, the current minute and every section on 80×24', () => {
    const frame = renderFrame(busyStatus(), 80, 24, plain);
    const [header = '', rates = ''] = lines(frame);
    expect(header).toContain('1,234 lines/s');
    expect(header).toContain('lag 42s');
    expect(header).toContain('2026-03-10 07:02:00Z');
    expect(header).toContain('/var/log/alb/app.log');
    expect(rates).toMatch(/^req\/min 2,841 {2}5xx 3\.1% {2}4xx 12\.0% {2}p95 413 ms {2}[▁▂▃▄▅▆▇█]{20,}$/);
    expect(frame).toContain('Open incidents (6)');
    expect(frame).toMatch(/Top clients .* Top endpoints/);
    expect(frame).toMatch(/ 82\.82\.97\.119 +9,000 +12 +POST \/api\/v1\/login +4,200 +3,100/);
    expect(frame).toContain('Recently closed (4)');
    expect(frame).toContain('state 3.5 MB');
  });

  it('lists open incidents most severe first, whatever order the status gives', () => {
    const frame = renderFrame(busyStatus(), 120, 40, plain);
    const rows = lines(frame).filter((l) => /^ (CRIT|HIGH|MED |LOW |INFO) /.test(l));
    const open = rows.slice(0, 6);
    expect(open.map((l) => l.slice(1, 5))).toEqual(['CRIT', 'CRIT', 'HIGH', 'HIGH', 'MED ', 'LOW ']);
    // Severity, detector, subject, window and title on each line.
    expect(open[0]).toMatch(/^ CRIT burst +ip 82\.82\.97\.119 +06:18–06:24 {2}Burst of requests from 82\.82\.97\.119/);
    expect(open[1]).toMatch(/^ CRIT error-spike +target 10\.0\.2\.63:8080 +06:54–07:02 {2}Target/);
  });

  it('says how many incidents did not fit', () => {
    const many = Array.from({ length: 30 }, (_, i) => finding(`id${i}`, 'high', 'burst', ['ip', `198.51.100.${i}`], ['2026-03-10T06:00:00.000Z', '2026-03-10T06:05:00.000Z'], `Burst ${i}`));
    const frame = renderFrame(busyStatus({ open: many }), 80, 24, plain);
    expect(frame).toContain('Open incidents (30)');
    const shown = lines(frame).filter((l) => l.startsWith(' HIGH burst')).length;
    expect(shown).toBeGreaterThan(5);
    expect(frame).toContain(` … ${30 - shown} more`);
    // The talkers keep some room.
    expect(frame).toContain('Top clients');
    expect(lines(frame)).toHaveLength(24);
  });

  it('cuts long text with "…" instead of wrapping', () => {
    const long = 'x'.repeat(500);
    const status = busyStatus({
      inputs: [`/logs/${long}`],
      open: [finding('a', 'critical', 'burst', ['ip', long], ['2026-03-10T06:00:00.000Z', '2026-03-10T06:05:00.000Z'], long)],
      top_clients: [{ key: long, requests: 1, errors: 0 }],
    });
    for (const [cols, rows] of [[40, 12], [80, 24], [160, 50]] as const) {
      const frame = renderFrame(status, cols, rows, plain);
      expect(widest(frame)).toBeLessThanOrEqual(cols);
      expect(lines(frame)).toHaveLength(rows);
      expect(frame).toMatch(/x…/);
    }
  });

  it('strips control characters, escape sequences and bidi controls from log text', () => {
    const hostile = 'evil\x1b[2J\x1b]0;pwned\x07\u009b31m\u202etxt.exe\r\nnext\tline\u2028end';
    const status = busyStatus({
      inputs: [hostile],
      watermark: hostile,
      open: [finding(hostile, 'high', hostile, [hostile, hostile], ['2026-03-10T06:00:00.000Z', '2026-03-10T06:05:00.000Z'], hostile)],
      recently_closed: [finding('b', 'low', 'scanner', ['ip', hostile], ['2026-03-10T06:00:00.000Z', '2026-03-10T06:05:00.000Z'], hostile)],
      top_clients: [{ key: hostile, requests: 5, errors: 1 }],
      top_endpoints: [{ key: hostile, requests: 5, errors: 1 }],
    });
    for (const color of [false, true]) {
      const frame = renderFrame(status, 200, 40, makeStyle(color));
      // With colour only SGR sequences remain; without, no ESC at all.
      // eslint-disable-next-line no-control-regex
      const bare = frame.replace(color ? ANSI : /$^/, '');
      // eslint-disable-next-line no-control-regex
      expect(bare).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]/);
      expect(lines(frame)).toHaveLength(40);
      expect(frame).toContain('evil[2J]0;pwned31mtxt.exe  next line end');
    }
  });

  it('has no colour with a plain style, and colour (SGR only) with a coloured one', () => {
    const off = renderFrame(busyStatus(), 80, 24, plain);
    expect(off).not.toContain('\x1b');
    const on = renderFrame(busyStatus(), 80, 24, makeStyle(true));
    expect(on).toContain('\x1b[31m');
    expect(on.replace(ANSI, '')).toBe(off);
  });

  it('counts wide characters as two columns', () => {
    const wide = '日本語のパス'.repeat(20);
    const status = busyStatus({ top_endpoints: [{ key: `GET /${wide}`, requests: 9, errors: 0 }], open: [finding('w', 'high', 'burst', ['endpoint', wide], ['2026-03-10T06:00:00.000Z', '2026-03-10T06:05:00.000Z'], `🔥${wide}`)] });
    for (const cols of [40, 81, 120]) {
      const frame = renderFrame(status, cols, 24, plain);
      expect(widest(frame)).toBeLessThanOrEqual(cols);
      expect(frame).toContain('日本');
    }
  });

  it('waits for records before the first one', () => {
    const frame = renderFrame(EMPTY, 80, 24, plain);
    expect(lines(frame)[0]).toContain('waiting for records');
    expect(frame).toMatch(/Open incidents \(0\)\n none/);
    expect(frame).not.toContain('Top clients');
    expect(lines(frame)[1]).toBe('req/min 0  5xx 0.0%  4xx 0.0%  p95 -  ');
  });

  it('narrow terminals list endpoints under clients', () => {
    const frame = renderFrame(busyStatus({ top_clients: talkers('c', 3), top_endpoints: talkers('e', 3) }), 60, 30, plain);
    expect(frame).toMatch(/Top clients[^\n]*\n c1 [^\n]*\n c2 [^\n]*\n c3 [^\n]*\nTop endpoints[^\n]*\n e1 /);
  });
});

describe('sparkline', () => {
  it('scales to the maximum, newest on the right, and keeps the last values that fit', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8)).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([100, 0, 7, 14], 3)).toBe('▁▅█');
    expect(sparkline([0, 0], 5)).toBe('▁▁');
    expect(sparkline([], 5)).toBe('');
    expect(sparkline([1, 2], 0)).toBe('');
  });
});
