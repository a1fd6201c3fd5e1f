/**
 * The progress bar of snapshot save/restore: drawn only on a TTY and never
 * with -w json, redrawn at most once per REDRAW_INTERVAL_MS, cleared at the
 * end; its line shows bytes done of the total, percent and rate.
 */
import t from 'tap';
import { ByteProgress, formatByteProgress, REDRAW_INTERVAL_MS, type ProgressStream } from '../../src/cli/commands/progress.ts';

function stream(isTTY: boolean): ProgressStream & { readonly written: string[] } {
  const written: string[] = [];
  return { isTTY, written, write: (chunk: string) => written.push(chunk) };
}

t.test('no bar unless the stream is a TTY and the output is not JSON', async (t) => {
  t.equal(ByteProgress.start(stream(false), { label: 'x', totalBytes: 10, json: false }), null, 'a pipe gets nothing');
  t.equal(ByteProgress.start(undefined, { label: 'x', totalBytes: 10, json: false }), null, 'no stream, nothing');
  t.equal(ByteProgress.start(stream(true), { label: 'x', totalBytes: 10, json: true }), null, '-w json gets nothing');
  t.ok(ByteProgress.start(stream(true), { label: 'x', totalBytes: 10, json: false }), 'a terminal gets a bar');
});

t.test('redraws at most once per interval, then clears the line', async (t) => {
  const terminal = stream(true);
  let nowMs = 0;
  const progress = ByteProgress.start(terminal, { label: 'restoring', totalBytes: 4_000, json: false, nowMs: () => nowMs })!;
  progress.advance(1_000);
  nowMs = REDRAW_INTERVAL_MS / 2;
  progress.advance(1_000);
  t.equal(terminal.written.length, 1, 'the second advance, inside the interval, is not drawn');
  nowMs = REDRAW_INTERVAL_MS;
  progress.advance(1_000);
  t.equal(terminal.written.length, 2);
  t.equal(terminal.written[1], `\r\x1b[2K${formatByteProgress('restoring', 3_000, 4_000, REDRAW_INTERVAL_MS)}`, 'drawn in place with the running total');
  progress.finish();
  t.equal(terminal.written.at(-1), '\r\x1b[2K', 'finish clears the line');
  t.throws(() => progress.advance(-1), RangeError, 'bytes never go backwards');
});

t.test('the line: bar, percent, done / total, rate', async (t) => {
  t.equal(formatByteProgress('restoring', 500_000, 1_000_000, 1_000), `restoring [${'#'.repeat(15)}${'.'.repeat(15)}]  50%  500 kB / 1.0 MB  500 kB/s`);
  t.equal(formatByteProgress('restoring', 0, 0, 0), `restoring [${'#'.repeat(30)}] 100%  0 B / 0 B  -`, 'an empty file is done at once');
});
