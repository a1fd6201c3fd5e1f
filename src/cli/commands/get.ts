/**
 * `conclave get <key> [<range end>] [--prefix] [--from-key] [--rev=N]
 * [--keys-only] [--count-only] [--limit=N] [--consistency=l|s]`: etcdctl get.
 * Prints each key and its value on their own lines.
 */
import { prefixEnd } from '../../../actors/watch-hub/index.ts';
import { integerFlag, outputFormat, parseArgs, runCommand, toJson, UsageError, utf8, withClient, type CommandIo } from './command-line.ts';

export const getUsage = 'get <key> [<range end>] [--prefix] [--from-key] [--rev=N] [--keys-only] [--count-only] [--limit=N] [--consistency=l|s]';

const encoder = new TextEncoder();

const ALL_KEYS = { key: Uint8Array.of(0), rangeEnd: Uint8Array.of(0) };

/**
 * etcdctl's range selection: [key, end), every key with the prefix, or every
 * key from `key` on. The empty prefix is every key (etcd's client turns
 * `--prefix ""` into key "\0" from-key, as an empty key alone is refused).
 */
export function rangeOf(keyText: string, end: string | undefined, prefix: boolean, fromKey: boolean): { key: Uint8Array; rangeEnd?: Uint8Array } {
  if ([end !== undefined, prefix, fromKey].filter(Boolean).length > 1) throw new UsageError('give at most one of <range end>, --prefix and --from-key');
  const key = encoder.encode(keyText);
  if (prefix) return key.length === 0 ? ALL_KEYS : { key, rangeEnd: prefixEnd(key) };
  if (fromKey) return key.length === 0 ? ALL_KEYS : { key, rangeEnd: Uint8Array.of(0) };
  return end === undefined ? { key } : { key, rangeEnd: encoder.encode(end) };
}

export function getCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    const args = parseArgs(argv, { values: ['rev', 'limit', 'consistency'], switches: ['prefix', 'from-key', 'keys-only', 'count-only'] });
    const [keyText, end, ...extra] = args.positionals;
    if (keyText === undefined || extra.length > 0) throw new UsageError(`usage: conclave ${getUsage}`);
    const consistency = args.values.get('consistency') ?? 'l';
    if (consistency !== 'l' && consistency !== 's') throw new UsageError(`--consistency must be l or s, got ${consistency}`);
    const range = rangeOf(keyText, end, args.switches.has('prefix'), args.switches.has('from-key'));
    const keysOnly = args.switches.has('keys-only');
    const countOnly = args.switches.has('count-only');
    const response = await withClient(args, (client) =>
      client.range({
        ...range,
        revision: integerFlag(args, 'rev', 0),
        limit: integerFlag(args, 'limit', 0),
        keysOnly,
        countOnly,
        serializable: consistency === 's',
      }),
    );
    if (outputFormat(args) === 'json') return io.out(toJson(response));
    if (countOnly) return io.out(String(response.count));
    for (const kv of response.kvs) io.out(keysOnly ? utf8(kv.key) : `${utf8(kv.key)}\n${utf8(kv.value)}`);
  });
}
