/**
 * The CLI's process streams: a command body may end with `return io.out(...)`,
 * so out/err must return nothing; stream.write's boolean once became the
 * process exit code (`get -w json` died with ERR_INVALID_ARG_TYPE).
 */
import t from 'tap';
import { processIo } from '../../src/cli/commands/index.ts';

t.test('out and err return nothing, and progress goes to stderr', async (t) => {
  const io = processIo();
  // Lines starting with '#' are TAP comments: safe on the test's own stdout.
  t.equal(io.out('# processIo out'), undefined);
  t.equal(io.err('# processIo err'), undefined);
  t.equal(io.progress, process.stderr, 'bars are drawn on stderr (when it is a TTY)');
});
