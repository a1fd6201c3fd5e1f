/**
 * Child process for the crash test: opens the store in the given dir and
 * writes without end (16 requests in flight), printing each acknowledged
 * write as "ack <key>". Each write is a txn putting two keys with one value,
 * so a half-applied write would show as a lone key after recovery.
 */
import { open } from '../../src/index.ts';

const [dir, cycle] = process.argv.slice(2);
if (!dir || !cycle) throw new Error('usage: crash-writer.ts <dir> <cycle>');
const db = await open({ dir, heartbeatIntervalMs: 10, electionTimeoutMs: 100 });
const encoder = new TextEncoder();
let next = 0;
process.stdout.write('ready\n');

async function writer(): Promise<never> {
  for (;;) {
    const key = `c${cycle}-${next++}`;
    const value = encoder.encode(key);
    await db.txn({
      compare: [],
      success: [
        { type: 'put', key: encoder.encode(`${key}/a`), value },
        { type: 'put', key: encoder.encode(`${key}/b`), value },
      ],
      failure: [],
    });
    process.stdout.write(`ack ${key}\n`);
  }
}

await Promise.all(Array.from({ length: 16 }, writer));
