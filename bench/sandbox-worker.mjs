// The sandbox of a bench, in its own thread: started from workerData, answers 'stats', 'created', {faults} and 'stop'.
import { parentPort, workerData } from 'node:worker_threads';
import { startSandbox } from '../dist/sandbox/server.js';

const sandbox = await startSandbox(workerData);
parentPort.postMessage({ mainUrl: sandbox.mainUrl, fallbackUrl: sandbox.fallbackUrl, tokens: sandbox.tokens });
parentPort.on('message', async (m) => {
  if (m === 'stats') parentPort.postMessage({ reply: m, value: sandbox.inspect.requests() });
  else if (m === 'created') parentPort.postMessage({ reply: m, value: { created: sandbox.inspect.created().length, duplicates: sandbox.inspect.duplicates().length } });
  else if (m?.faults) {
    sandbox.inspect.setFaults(m.faults);
    parentPort.postMessage({ reply: 'faults', value: true });
  } else if (m === 'stop') {
    await sandbox.close();
    process.exit(0);
  }
});
