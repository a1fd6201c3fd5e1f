/** `conclave del <key> [<range end>] [--prefix] [--from-key] [--prev-kv]`: etcdctl del. Prints how many keys went. */
import { rangeOf } from './get.ts';
import { outputFormat, parseArgs, runCommand, toJson, UsageError, utf8, withClient, type CommandIo } from './command-line.ts';

export const delUsage = 'del <key> [<range end>] [--prefix] [--from-key] [--prev-kv]';

export function delCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    const args = parseArgs(argv, { switches: ['prefix', 'from-key', 'prev-kv'] });
    const [keyText, end, ...extra] = args.positionals;
    if (keyText === undefined || extra.length > 0) throw new UsageError(`usage: conclave ${delUsage}`);
    const { key, rangeEnd } = rangeOf(keyText, end, args.switches.has('prefix'), args.switches.has('from-key'));
    const response = await withClient(args, (client) =>
      client.delete(key, { ...(rangeEnd === undefined ? {} : { rangeEnd }), prevKv: args.switches.has('prev-kv') }),
    );
    if (outputFormat(args) === 'json') return io.out(toJson(response));
    io.out(String(response.deleted));
    for (const kv of response.prevKvs) io.out(`${utf8(kv.key)}\n${utf8(kv.value)}`);
  });
}
