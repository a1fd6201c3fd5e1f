/**
 * A cluster whose members talk over TLS (https peer URLs, --peer-auto-tls:
 * each member makes its own self-signed pair with openssl): it elects a
 * leader, replicates writes, and reports the https URLs in MemberList.
 */
import t from 'tap';
import { missingProgram } from '../support/real-programs.ts';
import { findLeader, otherMember } from './support/leader.ts';
import { MemberClient } from './support/member-client.ts';
import { program, programMissing, recoveryTimeoutMs, startTestCluster } from './support/fault-run.ts';

const callTimeoutMs = 5_000;
const skip = programMissing || missingProgram('/usr/bin/openssl', 'apt-get install -y openssl');

t.test(`${program}: members replicate over TLS with --peer-auto-tls`, { skip }, async (t) => {
  const cluster = await startTestCluster(t, { peerScheme: 'https', extraFlags: ['--peer-auto-tls'] });
  const { leader } = await findLeader(cluster, recoveryTimeoutMs);
  const writer = new MemberClient(cluster.member(leader).endpoint);
  const reader = new MemberClient(cluster.member(otherMember(cluster, leader)).endpoint);
  t.teardown(() => {
    writer.close();
    reader.close();
  });
  const put = await writer.put('tls/k', 'over tls', callTimeoutMs);
  const read = await reader.range({ key: Buffer.from('tls/k') }, callTimeoutMs);
  t.equal(Buffer.from(read.kvs[0]!.value as Uint8Array).toString(), 'over tls', 'a follower serves the write, linearizably');
  t.ok(Number(read.header?.revision) >= Number(put.header?.revision));
  const members = await reader.memberList(callTimeoutMs);
  t.ok(members.members.every((member) => member.peerURLs.every((url) => url.startsWith('https://'))), 'peer URLs are https');
});
