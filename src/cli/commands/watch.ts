/**
 * `conclave watch <key> [<range end>] [--prefix] [--from-key] [--rev=N]
 * [--prev-kv] [--progress-notify]`: etcdctl watch. Prints each event (PUT or
 * DELETE, then key and value) until interrupted; a watch the server cancels
 * (its revision was compacted) ends with an error and exit code 1.
 */
import { ConclaveError } from '../../embedded/errors.ts';
import { rangeOf } from './get.ts';
import { integerFlag, outputFormat, parseArgs, runCommand, toJson, UsageError, utf8, withClient, type CommandIo } from './command-line.ts';

export const watchUsage = 'watch <key> [<range end>] [--prefix] [--from-key] [--rev=N] [--prev-kv] [--progress-notify]';

export function watchCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    const args = parseArgs(argv, { values: ['rev'], switches: ['prefix', 'from-key', 'prev-kv', 'progress-notify'] });
    const [keyText, end, ...extra] = args.positionals;
    if (keyText === undefined || extra.length > 0) throw new UsageError(`usage: conclave ${watchUsage}`);
    const { key, rangeEnd } = rangeOf(keyText, end, args.switches.has('prefix'), args.switches.has('from-key'));
    const json = outputFormat(args) === 'json';
    const prevKv = args.switches.has('prev-kv');
    await withClient(args, async (client) => {
      if (io.signal.aborted) return;
      const watch = await client.watch({
        key,
        ...(rangeEnd === undefined ? {} : { rangeEnd }),
        startRevision: integerFlag(args, 'rev', 0),
        prevKv,
        progressNotify: args.switches.has('progress-notify'),
      });
      const stop = () => watch.cancel();
      io.signal.addEventListener('abort', stop, { once: true });
      try {
        for await (const response of watch) {
          if (json) {
            io.out(toJson(response));
          } else if (response.kind === 'events') {
            for (const event of response.events) {
              io.out(event.type === 'put' ? 'PUT' : 'DELETE');
              if (prevKv && event.prevKv !== null) io.out(`${utf8(event.prevKv.key)}\n${utf8(event.prevKv.value)}`);
              io.out(`${utf8(event.kv.key)}\n${utf8(event.kv.value)}`);
            }
          }
          if (response.kind === 'canceled') {
            const reason = response.reason === '' ? 'watch canceled by the server' : response.reason;
            throw new ConclaveError({ grpcCode: 11, message: `${reason} (compact revision ${response.compactRevision})` });
          }
        }
      } finally {
        io.signal.removeEventListener('abort', stop);
      }
    });
  });
}
