// Starts three goredis nodes (the binary built from this repository) on
// free loopback ports and drives them with ioredis's Cluster and
// node-redis's createCluster, unchanged. Exits non-zero on any mismatch.
//
//   cd interop/node && npm install && npm test
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { createCluster } from 'redis';

const dir = mkdtempSync(join(tmpdir(), 'goredis-node-'));
const bin = join(dir, 'goredis');
execFileSync('go', ['build', '-o', bin, '.'], { cwd: new URL('../..', import.meta.url).pathname, stdio: 'inherit' });

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

const ports = [];
while (ports.length < 3) {
  const p = await freePort();
  if (!ports.includes(p)) ports.push(p);
}
const addrs = ports.map((p) => `127.0.0.1:${p}`);
const procs = ports.map((port, i) => spawn(bin, [
  '--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'no',
  '--self', addrs[i], '--peers', addrs.filter((_, j) => j !== i).join(','),
], { cwd: dir, stdio: 'ignore' }));

async function waitUp(port) {
  for (let i = 0; i < 100; i++) {
    const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: null });
    c.on('error', () => {}); // refused while the node starts: the loop tries again
    try { await c.connect(); await c.ping(); c.disconnect(); return; } catch { c.disconnect(); }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`node on ${port} did not start`);
}

let failed = false;
try {
  for (const p of ports) await waitUp(p);
  await new Promise((r) => setTimeout(r, 1200)); // one round of health checks

  // ioredis Cluster
  const io = new Redis.Cluster([{ host: '127.0.0.1', port: ports[0] }]);
  for (let i = 0; i < 200; i++) await io.set(`io:${i}`, String(i));
  for (let i = 0; i < 200; i++) assert.equal(await io.get(`io:${i}`), String(i));
  const pipe = io.pipeline();
  for (let i = 0; i < 50; i++) pipe.incr(`{tag}:n`);
  await pipe.exec();
  assert.equal(await io.get('{tag}:n'), '50');
  const tx = await io.multi().incr('{acct}:a').incrby('{acct}:b', 2).exec();
  assert.deepEqual(tx.map(([, v]) => v), [1, 2]);
  await io.quit();
  console.log('ioredis Cluster: ok');

  // node-redis createCluster
  const nr = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${ports[1]}` }] });
  nr.on('error', (e) => { console.error('node-redis:', e); });
  await nr.connect();
  for (let i = 0; i < 200; i++) await nr.set(`nr:${i}`, String(i));
  for (let i = 0; i < 200; i++) assert.equal(await nr.get(`nr:${i}`), String(i));
  const res = await nr.multi().incr('{acct}:a').get('{acct}:b').exec();
  assert.deepEqual(res, [2, '2']);
  await nr.quit();
  console.log('node-redis createCluster: ok');
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  for (const p of procs) p.kill();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
