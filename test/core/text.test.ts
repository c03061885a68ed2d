import { excerpt } from '../../src/core/text';
import { getFormat } from '../../src/formats/registry';
import { formatBytes } from '../../src/core/units';

describe('excerpt', () => {
  it('cuts long lines to max characters with an ellipsis, control characters stripped, tabs and newlines as spaces', () => {
    const line = `GET\t/x\u001b[31m${'a'.repeat(500)}`;
    const e = excerpt(line, 20);
    expect(e).toHaveLength(20);
    expect(e).toBe(`GET /x[31m${'a'.repeat(9)}…`);
  });

  it('still fills the excerpt when control characters fill the head of a long line', () => {
    const line = `${'\u0001'.repeat(1000)}${'b'.repeat(300)}`;
    expect(excerpt(line, 50)).toBe(`${'b'.repeat(49)}…`);
  });

  it('keeps short lines whole', () => {
    expect(excerpt('short line', 50)).toBe('short line');
  });
});

describe('haproxy shape detection', () => {
  const haproxy = getFormat('haproxy');
  it('matches with or without a syslog prefix and only then', () => {
    expect(haproxy?.detect('10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET / HTTP/1.1"')).toBe(0.95);
    expect(haproxy?.detect('Feb  6 12:14:14 lb haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET / HTTP/1.1"')).toBe(0.95);
    expect(haproxy?.detect('http 2018-07-02T22:23:00.186641Z app/lb/50dc 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://x:80/ HTTP/1.1" "curl/7.46.0"')).toBe(0);
  });
});

describe('formatBytes', () => {
  it('uses binary units with one decimal, the same in the terminal and HTML reports', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2_798_420)).toBe('2.7 MiB');
    expect(formatBytes(6.5 * 1024 ** 3)).toBe('6.5 GiB');
    expect(formatBytes(3 * 1024 ** 5)).toBe('3072.0 TiB');
  });
});
