/**
 * `conclave txn`: a transaction read from standard input in etcdctl's txn
 * format (see txn-script.ts). Prints SUCCESS or FAILURE, then each response
 * as put/get/del print theirs.
 */
import type { TxnResponse } from '../../../actors/applier/mvcc/index.ts';
import { outputFormat, parseArgs, runCommand, toJson, UsageError, utf8, withClient, type CommandIo } from './command-line.ts';
import { parseTxnScript } from './txn-script.ts';

export const txnUsage = 'txn < script   (compares, empty line, success requests, empty line, failure requests)';

function printResponses(response: TxnResponse, io: CommandIo): void {
  io.out(response.succeeded ? 'SUCCESS' : 'FAILURE');
  for (const op of response.responses) {
    io.out('');
    switch (op.type) {
      case 'put':
        io.out('OK');
        break;
      case 'range':
        for (const kv of op.kvs) io.out(`${utf8(kv.key)}\n${utf8(kv.value)}`);
        break;
      case 'delete-range':
        io.out(String(op.deleted));
        break;
      case 'txn':
        printResponses(op, io);
        break;
    }
  }
}

export function txnCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    // -i (etcdctl's interactive prompt) is accepted: the script is read from stdin either way.
    const args = parseArgs(argv, { switches: ['interactive', 'i'] });
    if (args.positionals.length > 0) throw new UsageError(`usage: conclave ${txnUsage}`);
    const request = parseTxnScript(await io.readStdin());
    const response = await withClient(args, (client) => client.txn(request));
    if (outputFormat(args) === 'json') return io.out(toJson(response));
    printResponses(response, io);
  });
}
