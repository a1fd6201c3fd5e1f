/**
 * The README's embedded example, kept runnable (a test runs it):
 *   node --import tsx src/examples/embedded-tour.ts ./tour.conclave
 */
import { open } from '../index.ts';

export async function tour(dir: string): Promise<string[]> {
  const lines: string[] = [];
  const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
  const db = await open({ dir });
  try {
    const { revision } = await db.put('config/feature-x', 'on');
    lines.push(`put at revision ${revision}`);

    const kv = await db.get('config/feature-x');
    lines.push(`get: ${text(kv?.value)} (version ${kv?.version})`);

    // Compare-and-swap: take the lock only if nobody holds it.
    const key = new TextEncoder().encode('locks/leader');
    const taken = await db.txn({
      compare: [{ key, target: 'create', result: 'equal', createRevision: 0 }],
      success: [{ type: 'put', key, value: new TextEncoder().encode('me') }],
      failure: [],
    });
    lines.push(`lock taken: ${taken.succeeded}`);

    // A key that lives as long as its lease is kept alive.
    const lease = await db.lease.grant(10);
    await db.put('services/api/1', '127.0.0.1:8080', { lease: lease.id });

    // Watch a prefix from a past revision: history first, then live changes.
    const watch = await db.watch({ key: 'config/', prefix: true, startRevision: revision });
    await db.put('config/feature-x', 'off');
    for await (const response of watch) {
      if (response.kind !== 'events') continue;
      for (const event of response.events) lines.push(`watch: ${event.type} ${text(event.kv.key)} = ${text(event.kv.value)}`);
      if (response.events.some((event) => text(event.kv.value) === 'off')) break;
    }
    await db.lease.revoke(lease.id);
    lines.push(`after revoke: ${await db.get('services/api/1')}`);
  } finally {
    await db.close();
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? './tour.conclave';
  for (const line of await tour(dir)) console.log(line);
}
