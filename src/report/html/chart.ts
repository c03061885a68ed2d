/**
 * The timeline chart as inline SVG, drawn here rather than in the browser: no charting library to inline, no
 * script needed to see it (it prints, and renders with scripts blocked), and its size is bounded by the number
 * of buckets (at most 720), not by the input. Requests per bucket are stacked bars by status class (left axis);
 * latency p50/p95 are lines (right axis); every finding's window is a mark in a lane above the plot that names
 * the finding on hover, shades its window in the plot and links to it (short critical and high windows are
 * always faintly shaded).
 */
import { maxOf } from '../../core/arrays';
import { TIMELINE_CLASSES, type ReportFinding, type TimelineSection } from '../types';
import { h, int, ms, raw, type Html } from './escape';
import { spansDays, windowText, isoTime } from '../../core/units';

const W = 1000;
const LEFT = 60;
const RIGHT = 60;
const LANE_H = 8;
const MAX_LANES = 24;
const PLOT_H = 220;
const AXIS_H = 30;
const PLOT_W = W - LEFT - RIGHT;

/** Round up to a readable axis maximum (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k). */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v - 1e-9) return m * p;
  return 10 * p;
}

/** Compact coordinate. */
function n(v: number): string {
  return String(Math.round(v * 10) / 10);
}

function label(t: number, multiDay: boolean): string {
  const iso = isoTime(t);
  return multiDay ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
}

/** Greedy interval lanes: each finding goes in the first lane whose last window ended before it starts. */
function lanes(findings: readonly ReportFinding[]): number[] {
  const ends: number[] = [];
  return findings.map((f) => {
    const s = Date.parse(f.window.start);
    const e = Date.parse(f.window.end);
    let lane = ends.findIndex((end) => end <= s);
    if (lane === -1) lane = ends.length < MAX_LANES ? ends.length : MAX_LANES - 1;
    ends[lane] = Math.max(ends[lane] ?? 0, e);
    return lane;
  });
}

/** The chart (or a short note when there is nothing to draw). */
export function timelineSvg(t: TimelineSection, findings: readonly ReportFinding[]): Html {
  const buckets = t.buckets;
  if (buckets.length === 0 || t.start === null || t.end === null) return h`<p class="muted">No timed requests to draw.</p>`;
  const start = Date.parse(t.start);
  const end = Date.parse(t.end);
  const span = Math.max(1, end - start);
  const bw = PLOT_W / buckets.length;
  const byStart = [...findings].sort((a, b) => (a.window.start < b.window.start ? -1 : a.window.start > b.window.start ? 1 : 0));
  const laneOf = lanes(byStart);
  const laneCount = Math.max(1, maxOf(laneOf.map((l) => l + 1), 1));
  const plotTop = 10 + laneCount * LANE_H + 22;
  const height = plotTop + PLOT_H + AXIS_H;
  const x = (ms: number): number => LEFT + (Math.min(end, Math.max(start, ms)) - start) / span * PLOT_W;
  const yMax = niceCeil(maxOf(buckets.map((b) => b.requests), 0));
  const latMax = niceCeil(Math.max(0, maxOf(buckets.map((b) => b.p95_ms ?? 0), 0)));
  // Formats without timings (Apache/CLF) get no latency axis, lines or legend: a 0–1 ms scale would be invented.
  const hasLatency = buckets.some((b) => b.p95_ms !== null || b.p50_ms !== null);
  const yReq = (v: number): number => plotTop + PLOT_H - (v / yMax) * PLOT_H;
  const yLat = (v: number): number => plotTop + PLOT_H - (Math.min(v, latMax) / latMax) * PLOT_H;

  // Stacked bars: one path per status class.
  const paths = TIMELINE_CLASSES.map((c) => ({ c, d: [] as string[] }));
  buckets.forEach((b, i) => {
    let base = 0;
    for (const p of paths) {
      const v = b.status[p.c];
      if (v <= 0) continue;
      const top = yReq(base + v);
      p.d.push(`M${n(LEFT + i * bw)} ${n(top)}h${n(bw)}V${n(yReq(base))}h${n(-bw)}z`);
      base += v;
    }
  });
  const bars = paths.filter((p) => p.d.length > 0).map((p) => h`<path class="bar s${p.c}" d="${p.d.join('')}"/>`);

  const line = (key: 'p50_ms' | 'p95_ms'): string => {
    let d = '';
    let pen = false;
    buckets.forEach((b, i) => {
      const v = b[key];
      if (v === null) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${n(LEFT + (i + 0.5) * bw)} ${n(yLat(v))}`;
      pen = true;
    });
    return d;
  };

  // Axes and grid.
  const grid: Html[] = [];
  for (const f of [0, 0.25, 0.5, 0.75, 1]) {
    const y = plotTop + PLOT_H - f * PLOT_H;
    grid.push(h`<line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${n(y)}" y2="${n(y)}"/>`);
    grid.push(h`<text class="tick" x="${LEFT - 6}" y="${n(y + 4)}" text-anchor="end">${int(f * yMax)}</text>`);
    if (hasLatency) grid.push(h`<text class="tick lat" x="${W - RIGHT + 6}" y="${n(y + 4)}">${ms(f * latMax)}</text>`);
  }
  const multiDay = span > 86_400_000;
  const withDate = spansDays({ start: isoTime(start), end: isoTime(start + span) });
  const stepMs = t.bucket_seconds * 1000;
  const every = Math.max(1, Math.ceil(buckets.length / 8));
  const ticks: Html[] = [];
  for (let i = 0; i < buckets.length; i += every) {
    const tx = LEFT + i * bw;
    ticks.push(h`<line class="axis" x1="${n(tx)}" x2="${n(tx)}" y1="${plotTop + PLOT_H}" y2="${plotTop + PLOT_H + 4}"/><text class="tick" x="${n(tx)}" y="${plotTop + PLOT_H + 17}" text-anchor="middle">${label(start + i * stepMs, multiDay)}</text>`);
  }

  // Finding windows: shaded span in the plot, a linked mark in its lane.
  const windows = byStart.map((f, i) => {
    const x0 = x(Date.parse(f.window.start));
    const x1 = Math.max(x0 + 3, x(Date.parse(f.window.end)));
    const tip = `${f.severity.toUpperCase()} · ${f.title} · ${windowText(f.window.start, f.window.end, withDate)} UTC`;
    const laneY = 10 + (laneOf[i] ?? 0) * LANE_H;
    const long = x1 - x0 > PLOT_W * 0.4 ? ' long' : '';
    return h`<a class="f" href="#f-${f.id}"><rect class="win sev-${f.severity}${long}" x="${n(x0)}" y="${plotTop}" width="${n(x1 - x0)}" height="${PLOT_H}"/><rect class="mark sev-${f.severity}" x="${n(x0)}" y="${laneY}" width="${n(x1 - x0)}" height="${LANE_H - 2}" rx="2" data-tip="${tip}" data-finding="${f.id}"><title>${tip}</title></rect></a>`;
  });

  // Hover targets: one per bucket.
  const hits = buckets.map((b, i) => {
    const parts = TIMELINE_CLASSES.filter((c) => b.status[c] > 0).map((c) => `${c} ${int(b.status[c])}`);
    const tip = `${b.start.slice(0, 16).replace('T', ' ')} UTC · ${int(b.requests)} requests${parts.length ? ` (${parts.join(', ')})` : ''} · p50 ${ms(b.p50_ms)} · p95 ${ms(b.p95_ms)}`;
    return h`<rect class="hit" x="${n(LEFT + i * bw)}" y="${plotTop}" width="${n(bw)}" height="${PLOT_H}" data-tip="${tip}"/>`;
  });

  const minutes = t.bucket_seconds / 60;
  const per = minutes < 60 ? `${minutes} min` : minutes < 1440 ? `${minutes / 60} h` : `${Math.round(minutes / 1440)} d`;
  return h`<figure class="chart">
<svg id="timeline-svg" viewBox="0 0 ${W} ${height}" role="img" aria-label="Requests per ${per} by status class with latency p50 and p95; finding windows marked" preserveAspectRatio="xMidYMid meet">
<g class="grid-layer">${grid}</g>
<g class="bars">${bars}</g>
${hasLatency ? h`<path class="lat p95" d="${line('p95_ms')}"/>
<path class="lat p50" d="${line('p50_ms')}"/>` : ''}
<line class="axis" x1="${LEFT}" x2="${W - RIGHT}" y1="${plotTop + PLOT_H}" y2="${plotTop + PLOT_H}"/>
<g>${ticks}</g>
<g class="hits">${hits}</g>
<g class="marks">${windows}</g>
<text class="tick" x="2" y="${plotTop - 10}">req/${per}</text>
${hasLatency ? h`<text class="tick lat" x="${W - RIGHT + 6}" y="${plotTop - 10}">latency</text>` : ''}
</svg>
<figcaption>${raw(TIMELINE_CLASSES.map((c) => `<span class="key"><svg viewBox="0 0 10 10" class="sw"><rect class="s${c}" width="10" height="10"/></svg>${c}</span>`).join(''))}
${hasLatency ? raw('<span class="key"><svg viewBox="0 0 16 10" class="sw wide"><path class="lat p50" d="M0 5H16"/></svg>p50</span><span class="key"><svg viewBox="0 0 16 10" class="sw wide"><path class="lat p95" d="M0 5H16"/></svg>p95</span>') : raw('<span class="key">latency not logged by this format</span>')}
<span class="key"><svg viewBox="0 0 10 10" class="sw"><rect class="mark sev-high" width="10" height="10"/></svg>finding window (hover to name, click to open)</span>
· ${per} buckets, UTC</figcaption>
</figure>`;
}
