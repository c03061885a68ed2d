/** Small unit helpers the reports lean on. */
import { isoTime, spansDays, windowText } from '../../src/core/units';

describe('windowText', () => {
  it('is times alone within one UTC day, dates when the period spans days', () => {
    expect(windowText('2026-03-10T06:27:00.000Z', '2026-03-10T06:35:12.000Z', false)).toBe('06:27–06:35');
    expect(windowText('2015-05-19T19:00:00.000Z', '2015-05-19T19:20:00.000Z', true)).toBe('2015-05-19 19:00–19:20');
    expect(windowText('2015-05-17T10:00:00.000Z', '2015-05-20T21:10:00.000Z', true)).toBe('2015-05-17 10:00–2015-05-20 21:10');
  });

  it('has seconds for a window within one minute, which would otherwise read "07:03–07:03"', () => {
    expect(windowText('2026-03-10T07:03:00.000Z', '2026-03-10T07:03:44.851Z', false)).toBe('07:03:00–07:03:44');
    expect(windowText('2026-03-10T07:03:00.000Z', '2026-03-10T07:03:44.851Z', true)).toBe('2026-03-10 07:03:00–07:03:44');
    // The same minute of two different days is not within one minute.
    expect(windowText('2026-03-10T07:03:00.000Z', '2026-03-11T07:03:10.000Z', true)).toBe('2026-03-10 07:03–2026-03-11 07:03');
  });

  it('spansDays tells a multi-day period', () => {
    expect(spansDays({ start: '2026-03-10T00:00:00.000Z', end: '2026-03-10T23:59:59.999Z' })).toBe(false);
    expect(spansDays({ start: '2026-03-10T23:00:00.000Z', end: '2026-03-11T01:00:00.000Z' })).toBe(true);
    expect(spansDays(null)).toBe(false);
  });
});

describe('isoTime is total', () => {
  it('formats any number without throwing', () => {
    expect(isoTime(0)).toBe('1970-01-01T00:00:00.000Z');
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 8.7e15, -9e15, 1e308]) expect(isoTime(v)).toBe('invalid-time');
    expect(isoTime(8.64e15)).toBe('+275760-09-13T00:00:00.000Z');
  });
});
