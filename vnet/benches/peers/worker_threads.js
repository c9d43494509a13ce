// Peer benchmark for the VNetOS runtime: Node.js worker_threads measured the
// way vnet's runtime benchmark measures i-nodes. Prints `summary:` lines.
// Usage: node vnet/benches/peers/worker_threads.js
'use strict';
const { Worker } = require('worker_threads');

const WORKER_SOURCE = `
const { parentPort } = require('worker_threads');
parentPort.on('message', (value) => { if (value === false) { process.exit(0); } parentPort.postMessage(value); });
parentPort.postMessage('ready');
`;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function percentile(values, fraction) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.round((sorted.length - 1) * fraction)];
}

function startWorker() {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.once('message', () => resolve({ worker, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
  });
}

async function creation(count) {
  const times = [];
  const workers = [];
  const before = process.memoryUsage().rss;
  for (let i = 0; i < count; i++) {
    const { worker, ms } = await startWorker();
    times.push(ms);
    workers.push(worker);
  }
  const perWorker = (process.memoryUsage().rss - before) / count;
  for (const worker of workers) worker.postMessage(false);
  console.log(`summary: worker_threads creation median ${median(times).toFixed(2)} ms, ` +
    `resident per worker ${(perWorker / 1048576).toFixed(1)} MiB (${count} workers)`);
}

async function latency(roundTrips) {
  const { worker } = await startWorker();
  const samples = [];
  await new Promise((resolve) => {
    let i = 0;
    let started = process.hrtime.bigint();
    worker.on('message', () => {
      samples.push(Number(process.hrtime.bigint() - started) / 2 / 1000);
      i += 1;
      if (i === roundTrips) { worker.postMessage(false); resolve(); return; }
      started = process.hrtime.bigint();
      worker.postMessage(i);
    });
    worker.postMessage(0);
  });
  console.log(`summary: worker_threads one-way message median ${median(samples).toFixed(2)} us, ` +
    `p99 ${percentile(samples, 0.99).toFixed(2)} us (${roundTrips} round trips)`);
}

(async () => {
  await creation(20);
  await latency(20000);
})();
