/**
 * The advice added to connection failures, on grpc-js texts as they arrive
 * (the served-member cases are in tls.test.ts; these cover the OpenSSL
 * alerts a TLS 1.2 member sends, which a TLS 1.3 member does not).
 */
import t from 'tap';
import { withConnectionHint } from '../../src/client/connection-hints.ts';

const noConnection = (lastError: string) => `No connection established. Last error: ${lastError} (2026-11-25T09:00:00.000Z). Resolution note: `;
const alert = (name: string) => noConnection(`80FC0000:error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert ${name}:ssl/record/rec_layer_s3.c:1601:SSL alert number 48`);

t.test('TLS failures get advice, after the original text', async (t) => {
  t.match(withConnectionHint(alert('unknown ca'), true), /^No connection established\. .* \(2026-11-25T09:00:00\.000Z\): the member refused this client's certificate/);
  t.match(withConnectionHint(alert('certificate revoked'), true), /refused this client's certificate/);
  t.match(withConnectionHint(noConnection('Error: unable to verify the first certificate'), true), /give the CA that signed it as tls\.caPem/);
  t.match(withConnectionHint(noConnection("Error: Hostname/IP does not match certificate's altnames"), true), /give the CA that signed it/);
  t.match(withConnectionHint(noConnection('Error: 00:error:0A00010B:SSL routines:ssl3_get_record:wrong version number'), true), /does not speak TLS/);
});

t.test('the same text gets plaintext advice, or none, when the client speaks plaintext', async (t) => {
  t.match(withConnectionHint(noConnection('Failed to connect'), false), /if it serves TLS, use https:\/\/ endpoints$/);
  t.equal(withConnectionHint(alert('unknown ca'), false), alert('unknown ca'), 'no TLS advice to a plaintext client');
  const refused = noConnection('connect ECONNREFUSED 127.0.0.1:2379');
  t.equal(withConnectionHint(refused, true), refused, 'a refused connection is left as it is');
});
