// Every bench in one run: `npm run bench` (or `npm run bench -- --quick` for smaller sizes).
import { args, machine } from './lib.mjs';
import { benchRate } from './import-rate.mjs';
import { benchLatency } from './import-latency.mjs';
import { benchOverhead } from './import-overhead.mjs';
import { benchReading } from './reading.mjs';
import { benchBaseline } from './vs-baseline.mjs';

const { quick, only } = args({ only: { type: 'string' } });
const benches = { rate: benchRate, latency: benchLatency, overhead: benchOverhead, reading: benchReading, baseline: benchBaseline };
const chosen = only ? only.split(',') : Object.keys(benches);
console.log(`client-packages benchmarks${quick ? ' (quick)' : ''}: ${machine()}, ${new Date().toISOString()}`);
for (const name of chosen) {
  const started = performance.now();
  const { lines } = await benches[name]({ quick });
  console.log(`\n[${name}] (${((performance.now() - started) / 1000).toFixed(0)} s)\n${lines.join('\n')}`);
}
