/** `conclave put <key> <value> [--lease=<hex id>] [--prev-kv]`: etcdctl put. Prints OK. */
import { outputFormat, parseArgs, parseHexId, runCommand, toJson, UsageError, utf8, withClient, type CommandIo } from './command-line.ts';

export const putUsage = 'put <key> <value> [--lease=<hex id>] [--prev-kv]';

export function putCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    const args = parseArgs(argv, { values: ['lease'], switches: ['prev-kv'] });
    const [key, value, ...extra] = args.positionals;
    if (key === undefined || value === undefined || extra.length > 0) throw new UsageError(`usage: conclave ${putUsage}`);
    const lease = args.values.has('lease') ? parseHexId(args.values.get('lease'), '--lease') : 0;
    const prevKv = args.switches.has('prev-kv');
    const response = await withClient(args, (client) => client.put(key, value, { lease, prevKv }));
    if (outputFormat(args) === 'json') return io.out(toJson(response));
    io.out('OK');
    if (response.prevKv !== null) io.out(`${utf8(response.prevKv.key)}\n${utf8(response.prevKv.value)}`);
  });
}
