/** The stdin format of `conclave txn` (etcdctl's txn format): each compare target, requests, quoting, errors. */
import t from 'tap';
import { parseTxnScript, words } from '../../src/cli/commands/txn-script.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

t.test('compares of every target and operator', async (t) => {
  const request = parseTxnScript('value("a") = "x"\nversion("a") > "1"\ncreate("a") < "5"\nmod("a") != "7"\nlease("a") = "1f"\n');
  t.same(request.compare, [
    { key: bytes('a'), result: 'equal', target: 'value', value: bytes('x') },
    { key: bytes('a'), result: 'greater', target: 'version', version: 1 },
    { key: bytes('a'), result: 'less', target: 'create', createRevision: 5 },
    { key: bytes('a'), result: 'not-equal', target: 'mod', modRevision: 7 },
    { key: bytes('a'), result: 'equal', target: 'lease', lease: 0x1f },
  ]);
  t.same(request.success, [], 'no success block');
  t.same(request.failure, [], 'no failure block');
});

t.test('requests, with --prefix, ranges and quoted words', async (t) => {
  const request = parseTxnScript('\nput "a key" "a value"\nget p --prefix\ndel a c\n\nget x\n');
  t.same(request.success, [
    { type: 'put', key: bytes('a key'), value: bytes('a value') },
    { type: 'range', key: bytes('p'), rangeEnd: bytes('q') },
    { type: 'delete-range', key: bytes('a'), rangeEnd: bytes('c') },
  ]);
  t.same(request.failure, [{ type: 'range', key: bytes('x') }]);
  t.same(words('put "say \\"hi\\"" v'), ['put', 'say "hi"', 'v'], 'escaped quotes inside a quoted word');
});

t.test('a line it cannot read is named, not guessed', async (t) => {
  t.throws(() => parseTxnScript('version("a") = "x"\n'), { name: 'UsageError', message: 'txn: "x" is not a whole number in: version("a") = "x"' });
  t.throws(() => parseTxnScript('\nupdate a b\n'), { message: 'txn: unknown request "update" (put, get or del): update a b' });
  t.throws(() => parseTxnScript('\nput a\n'), { message: 'txn: put needs a key and a value: put a' });
});
