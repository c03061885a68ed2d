import { textTable } from '../../src/report/style';
import { describeAction } from '../../src/report/table';

describe('terminal tables', () => {
  it('right-aligns columns of numbers and keeps text (and IPv4 addresses) left-aligned, with a rule under the header only', () => {
    const t = textTable(['key', 'requests', 'share']);
    t.push(['10.0.0.1', '1,234', '50.0%']);
    t.push(['192.168.100.200', '7', '-']);
    const lines = t.toString().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[1]).toBe('│ key             │ requests │ share │');
    expect(lines[2]).toMatch(/^├─+┼─+┼─+┤$/);
    expect(lines[3]).toBe('│ 10.0.0.1        │    1,234 │ 50.0% │');
    expect(lines[4]).toBe('│ 192.168.100.200 │        7 │     - │');
  });

  it('has no header row when given no header', () => {
    const t = textTable();
    t.push(['requests', '12']);
    expect(t.toString().split('\n')).toHaveLength(3);
  });
});

describe('describeAction', () => {
  it('names each kind of action in one line', () => {
    expect(describeAction({ type: 'rate-limit', key: 'ip', limit_per_minute: 60, window_seconds: 60, scope: '203.0.113.9', why: 'x' })).toBe('rate-limit 60/min per ip on 203.0.113.9');
    expect(describeAction({ type: 'capacity', subject: '10.0.3.17:8080', why: 'x' })).toBe('capacity: 10.0.3.17:8080');
    expect(describeAction({ type: 'investigate', subject: 'GET /a/:id', window: '2026-03-10T08:15:00.000Z/2026-03-10T08:55:00.000Z', why: 'x' })).toBe('investigate GET /a/:id 08:15–08:55');
  });

  it('lists networks before addresses, drops addresses inside them and counts the rest', () => {
    const ips = ['198.51.100.7', '203.0.113.1', '203.0.113.2', '192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'];
    expect(describeAction({ type: 'block', ips, cidrs: ['203.0.113.0/24'], why: 'x' })).toBe('block 203.0.113.0/24, 198.51.100.7, 192.0.2.1, 192.0.2.2 and 2 more');
  });

  it('strips control characters from log-derived subjects', () => {
    expect(describeAction({ type: 'investigate', subject: 'GET /\u001b[31mx', window: '', why: 'x' })).not.toContain('\u001b');
  });
});
