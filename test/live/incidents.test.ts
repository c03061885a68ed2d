/**
 * The incident table of lbua watch (live/incidents.ts): which judged findings are news. Judgments here are made by
 * hand, as the engine's would be: the same finding growing, pausing, coming back, and judged from a window that
 * slid past its start.
 */
import { IncidentTable, type IncidentChange } from '../../src/live/incidents';
import type { ReportFinding } from '../../src/core/report-types';

const MIN = 60_000;
const T0 = Date.parse('2026-03-10T06:00:00Z');
const at = (m: number): number => T0 + m * MIN;

function finding(id: string, startMin: number, endMin: number, severity: ReportFinding['severity'] = 'high', value = '198.51.100.7'): ReportFinding {
  return {
    id, detector: 'burst', severity, confidence: 0.9, title: `burst ${value}`,
    subject: { type: 'ip', value },
    window: { start: new Date(at(startMin)).toISOString(), end: new Date(at(endMin)).toISOString() },
    metrics: { requests: (endMin - startMin) * 100 }, explanation: '', evidence: [], actions: [], related: [],
  } as ReportFinding;
}

const kinds = (cs: readonly IncidentChange[]): string[] => cs.map((c) => `${c.kind} ${c.id}${c.kind === 'update' && c.reopened ? ' reopened' : ''}`);

describe('incident table', () => {
  const options = { closeAfterMs: 10 * MIN, gapMs: 5 * MIN, forgetAfterMs: 130 * MIN, updateEveryMs: 0 };

  it('emits a finding once, updates it under its first id while it grows, and closes it 10 minutes after its end', () => {
    const t = new IncidentTable(options);
    expect(kinds(t.observe([finding('a', 5, 6)], at(6)))).toEqual(['finding a']);
    // Judged again without change: nothing; grown: an update under the first id, though its batch id would differ.
    expect(kinds(t.observe([finding('a', 5, 6)], at(7)))).toEqual([]);
    const grown = t.observe([finding('b', 5, 9, 'critical')], at(9));
    expect(kinds(grown)).toEqual(['update a']);
    // The event is the incident's (a); the finding is as judged now, with the id the batch report would give it.
    expect(grown[0]?.id).toBe('a');
    expect(grown[0]?.finding.id).toBe('b');
    expect(grown[0]?.finding.severity).toBe('critical');
    expect(kinds(t.observe([finding('b', 5, 9)], at(18)))).toEqual(['update a']);
    expect(kinds(t.observe([finding('b', 5, 9)], at(19)))).toEqual(['closed a']);
    // Still in the window, ended: not news.
    expect(kinds(t.observe([finding('b', 5, 9)], at(25)))).toEqual([]);
    expect(t.open).toHaveLength(0);
  });

  it('reopens a closed incident that grows again past its end, and takes a later start within the gap as the same one', () => {
    const t = new IncidentTable(options);
    t.observe([finding('a', 5, 9)], at(9));
    expect(kinds(t.observe([finding('a', 5, 9)], at(19)))).toEqual(['closed a']);
    expect(kinds(t.observe([finding('a2', 5, 30)], at(30)))).toEqual(['update a reopened']);
    // The window slid past its start: judged from a later start that overlaps it, it is the same incident.
    expect(kinds(t.observe([finding('c', 12, 34)], at(34)))).toEqual(['update a']);
    // A new burst of the same address long after it closed is a new finding.
    t.observe([], at(50));
    expect(kinds(t.observe([finding('d', 60, 62)], at(62)))).toEqual(['finding d']);
  });

  it('spaces the updates of an incident that only grows, emits a change of severity at once, and closes with the last numbers', () => {
    const t = new IncidentTable({ ...options, updateEveryMs: 5 * MIN });
    const out: string[] = [];
    for (let m = 6; m <= 20; m++) out.push(...kinds(t.observe([finding('a', 5, m, m < 17 ? 'high' : 'critical')], at(m))));
    // A finding at 06:06, updates at 06:11 and 06:16 (5 minutes apart), the severity's rise at 06:17 at once.
    expect(out).toEqual(['finding a', 'update a', 'update a', 'update a']);
    const closed = t.observe([finding('a', 5, 20, 'critical')], at(30));
    expect(kinds(closed)).toEqual(['closed a']);
    expect(closed[0]?.finding.window.end).toBe(new Date(at(20)).toISOString());
  });

  it('closes every open incident when the run stops, and survives a round trip through JSON', () => {
    const t = new IncidentTable(options);
    t.observe([finding('a', 5, 9), finding('x', 6, 8, 'medium', '203.0.113.9')], at(9));
    const back = new IncidentTable(options, JSON.parse(JSON.stringify(t.toJSON())) as ReturnType<IncidentTable['toJSON']>);
    expect(kinds(back.observe([finding('a', 5, 9), finding('x', 6, 8, 'medium', '203.0.113.9')], at(10)))).toEqual([]);
    expect(kinds(back.closeAll(at(11)))).toEqual(['closed a', 'closed x']);
    // Forgotten once far behind the watermark.
    back.observe([], at(300));
    expect(back.toJSON().rows).toHaveLength(0);
  });
});
