'use strict';
// Preloaded (-r) by the bench's allocation runs: prints the V8 heap in use when the process exits, so that what was
// allocated after the last GC (which --trace-gc-nvp never reports) can be added to the sum of its allocated= fields.
const { getHeapStatistics } = require('node:v8');
process.on('exit', () => process.stderr.write(`heap_used_at_exit=${getHeapStatistics().used_heap_size}\n`));
