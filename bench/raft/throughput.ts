/**
 * Raft core throughput: entries committed per second by a 3-member cluster
 * of pure cores in one thread, with no I/O (persisting is a no-op) and
 * synchronous in-memory delivery. Proposals arrive in batches of B between
 * Readies, so each batch leaves in one append per follower; the run is
 * repeated for several B, side by side, to show what batching buys.
 *
 * Run: npm run bench:raft   (node --import tsx bench/raft/throughput.ts [entries] [payloadBytes] [batch,batch,…])
 * One thread; figures are wall-clock and move with whatever else the machine runs.
 */
import { RaftNode } from '../../actors/raft/core/raft-node.ts';
import { EMPTY_HARD_STATE } from '../../actors/raft/core/types.ts';
import type { Message, NodeId } from '../../actors/raft/core/types.ts';

const totalEntries = Number(process.argv[2] ?? 2_000_000);
const payloadBytes = Number(process.argv[3] ?? 64);
const batchSizes = (process.argv[4] ?? '1,10,100,1000,10000').split(',').map(Number);

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function makeCluster(): Map<NodeId, RaftNode> {
  const voters = [1, 2, 3];
  const nodes = new Map<NodeId, RaftNode>();
  for (const id of voters) {
    nodes.set(
      id,
      new RaftNode(
        { id, random: lcg(id), maxSizePerMsgBytes: 4 * 1024 * 1024, maxUncommittedEntriesBytes: 1024 * 1024 * 1024, maxCommittedBytesPerReady: 1024 * 1024 * 1024 },
        { hardState: EMPTY_HARD_STATE, snapshot: null, entries: [], conf: { voters, learners: [] } },
      ),
    );
  }
  return nodes;
}

const compactEveryEntries = 100_000;
const emptySnapshot = new Uint8Array(0);

/**
 * One pass: every member's Ready is "persisted" (no-op), its messages
 * delivered, its commits counted; like a real member, each one compacts its
 * log every 100,000 applied entries so memory stays bounded.
 */
function pump(nodes: Map<NodeId, RaftNode>, leader: NodeId): number {
  let committed = 0;
  const outbox: Message[] = [];
  for (const [id, node] of nodes) {
    if (!node.hasReady()) continue;
    const ready = node.ready();
    for (const m of ready.messages) outbox.push(m);
    if (id === leader) committed += ready.committedEntries.length;
    node.advance();
    if (ready.committedEntries.length > 0) {
      const { applied, snapshotIndex } = node.status();
      if (applied - snapshotIndex >= compactEveryEntries) node.compact(applied, emptySnapshot);
    }
  }
  for (const m of outbox) nodes.get(m.to)?.step(m);
  return committed;
}

function run(batch: number, totalEntries: number): { seconds: number; cpuSeconds: number; committed: number } {
  const nodes = makeCluster();
  const leader = 1;
  const leaderNode = nodes.get(leader) as RaftNode;
  for (let i = 0; i < 30 && leaderNode.status().role !== 'leader'; i++) {
    leaderNode.tick();
    for (let j = 0; j < 10; j++) pump(nodes, leader);
  }
  if (leaderNode.status().role !== 'leader') throw new Error('no leader elected');
  for (let j = 0; j < 10; j++) pump(nodes, leader);
  const payload = new Uint8Array(payloadBytes);
  const startCommit = leaderNode.status().commit;
  let proposed = 0;
  let committed = 0;
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  while (committed < totalEntries) {
    for (let i = 0; i < batch && proposed < totalEntries; i++, proposed++) leaderNode.propose(payload);
    committed += pump(nodes, leader);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const expected = startCommit + totalEntries;
  for (const [id, node] of nodes) {
    for (let j = 0; j < 10 && node.status().commit < expected; j++) pump(nodes, leader);
    if (node.status().commit < expected) throw new Error(`member ${id} did not commit everything`);
  }
  return { seconds, cpuSeconds, committed };
}

console.log(`command: node --import tsx bench/raft/throughput.ts ${totalEntries} ${payloadBytes}`);
console.log(`3 members, 1 thread, no I/O, synchronous delivery, ${payloadBytes}-byte payloads, ${totalEntries} entries per run`);
console.log('CPU seconds = user + system time of this process: under contention from other processes it is the steadier figure.');
console.log('batch (proposals per Ready) | entries | wall s | CPU s | entries committed / wall s | entries committed / CPU s');
for (const batch of batchSizes) {
  // Unbatched runs are slow; a smaller run gives the same rate.
  const entries = batch === 1 ? Math.min(totalEntries, 200_000) : totalEntries;
  const { seconds, cpuSeconds, committed } = run(batch, entries);
  const perWall = Math.round(committed / seconds).toLocaleString('en-US');
  const perCpu = Math.round(committed / cpuSeconds).toLocaleString('en-US');
  console.log(
    `${String(batch).padStart(27)} | ${String(entries).padStart(7)} | ${seconds.toFixed(2).padStart(6)} | ${cpuSeconds.toFixed(2).padStart(5)} | ${perWall.padStart(26)} | ${perCpu.padStart(25)}`,
  );
}
