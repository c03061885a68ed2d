import { join } from 'node:path';
import { getFormat } from '../../src/formats/registry';
import { orderInputsByTime, runInputs, type DetectedFormats, type PipelineOptions } from '../../src/pipeline';
import { ROOT } from '../helpers/cli';

const options: PipelineOptions = { format: 'auto', strict: false, maxLineLength: 65536, from: null, to: null };
const spec = (path: string) => ({ path, stdin: false });

describe('formats detected while ordering inputs by time', () => {
  const alb = spec(join(ROOT, 'fixtures', 'samples', 'alb-sample.log.gz'));
  const clf = spec(join(ROOT, 'fixtures', 'formats', 'clf', 'basic.log'));

  it('are remembered by path', async () => {
    const detected: DetectedFormats = new Map();
    await orderInputsByTime([alb, clf], options, detected);
    expect([...detected].map(([p, k]) => [p, k.format?.id])).toEqual([[alb.path, 'alb'], [clf.path, 'clf']]);
  });

  it('are used by the read that follows instead of detecting again', async () => {
    const detected: DetectedFormats = new Map([[alb.path, { format: getFormat('clf') ?? null, firstMs: null, lastMs: null }]]);
    const [summary] = await runInputs([alb], options, { record: () => undefined, diagnostic: () => undefined }, detected);
    // Proof of reuse: the (planted) remembered format wins over what the lines say (each line it refuses then goes to
    // the format that reads it: src/mixed.ts).
    expect(summary).toMatchObject({ format: 'clf', records: 5105, formats: { alb: 5105 } });
    const [fresh] = await runInputs([alb], options, { record: () => undefined, diagnostic: () => undefined });
    expect(fresh).toMatchObject({ format: 'alb', malformed: 0 });
  });
});
