import t from 'tap';
import { MemoryLogDisk, openMemoryLogStore } from '../../actors/log-writer/index.ts';
import { IDENTITY, entries } from './fixtures.ts';
import { storeContract } from './store-contract.ts';

storeContract(t, async () => {
  const disk = new MemoryLogDisk();
  return async (identity = IDENTITY) => openMemoryLogStore(disk, identity);
});

t.test('the disk keeps its own copy of payloads', async (t) => {
  const disk = new MemoryLogDisk();
  const store = openMemoryLogStore(disk, IDENTITY);
  const [written] = entries(1, 1, 1);
  if (written === undefined) throw new Error('fixture made no entry');
  await store.append([written]);
  written.data.fill(0xee);
  await store.close();
  const [recovered] = openMemoryLogStore(disk, IDENTITY).recover().entries;
  t.not(recovered?.data[0], 0xee, 'changing the caller\'s buffer after append does not change the log');
});
