/**
 * The text format `conclave txn` reads from standard input, etcdctl's
 * `txn` format (etcdctl/ctlv3/command/txn_command.go), three blocks
 * separated by an empty line:
 *
 *     compares, one a line:  value("key") = "v" | version("key") > "1" |
 *                            create("key") < "5" | mod("key") != "7" |
 *                            lease("key") = "<hex id>"
 *     <empty line>
 *     success requests:      put key value | get key [end] [--prefix] |
 *                            del key [end] [--prefix]
 *     <empty line>
 *     failure requests, same syntax
 *
 * Words may be double-quoted ("a key with spaces", \" and \\ escapes).
 *
 * Never: guess at a line it cannot read; it names the line and stops.
 */
import type { Compare, CompareResult, RequestOp, TxnRequest } from '../../../actors/applier/mvcc/index.ts';
import { prefixEnd } from '../../../actors/watch-hub/index.ts';
import { parseHexId, UsageError } from './command-line.ts';

const encoder = new TextEncoder();
/** A script longer than this is not typed by hand; etcd caps a txn at 128 ops anyway. */
const MAX_LINES = 1_000;

const operators: Readonly<Record<string, CompareResult>> = { '=': 'equal', '!=': 'not-equal', '<': 'less', '>': 'greater' };

/** Splits a line into words; quoted words keep their spaces. */
export function words(line: string): string[] {
  const result: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let match = pattern.exec(line); match !== null; match = pattern.exec(line)) {
    result.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]!);
  }
  return result;
}

function wholeNumber(text: string, line: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`txn: "${text}" is not a whole number in: ${line}`);
  return Number(text);
}

export function parseCompare(line: string): Compare {
  const match = /^\s*(value|version|create|mod|lease)\(\s*"((?:[^"\\]|\\.)*)"\s*\)\s*(=|!=|<|>)\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(line);
  if (match === null) throw new UsageError(`txn: cannot read compare: ${line}`);
  const [, target, rawKey, operator, rawValue] = match as unknown as [string, string, string, string, string];
  const key = encoder.encode(rawKey.replace(/\\(.)/g, '$1'));
  const value = rawValue.replace(/\\(.)/g, '$1');
  const base = { key, result: operators[operator]! };
  switch (target) {
    case 'value':
      return { ...base, target: 'value', value: encoder.encode(value) };
    case 'version':
      return { ...base, target: 'version', version: wholeNumber(value, line) };
    case 'create':
      return { ...base, target: 'create', createRevision: wholeNumber(value, line) };
    case 'mod':
      return { ...base, target: 'mod', modRevision: wholeNumber(value, line) };
    default:
      return { ...base, target: 'lease', lease: parseHexId(value, 'lease') };
  }
}

export function parseRequest(line: string): RequestOp {
  const [verb, ...rest] = words(line);
  const prefix = rest.includes('--prefix');
  const [keyText, second, ...extra] = rest.filter((word) => word !== '--prefix');
  if (keyText === undefined || extra.length > 0) throw new UsageError(`txn: cannot read request: ${line}`);
  const key = encoder.encode(keyText);
  const rangeEnd = prefix ? prefixEnd(key) : second === undefined ? undefined : encoder.encode(second);
  switch (verb) {
    case 'put':
      if (second === undefined || prefix) throw new UsageError(`txn: put needs a key and a value: ${line}`);
      return { type: 'put', key, value: encoder.encode(second) };
    case 'get':
      return { type: 'range', key, ...(rangeEnd === undefined ? {} : { rangeEnd }) };
    case 'del':
      return { type: 'delete-range', key, ...(rangeEnd === undefined ? {} : { rangeEnd }) };
    default:
      throw new UsageError(`txn: unknown request "${verb ?? ''}" (put, get or del): ${line}`);
  }
}

export function parseTxnScript(text: string): TxnRequest {
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_LINES) throw new UsageError(`txn: more than ${MAX_LINES} lines`);
  const blocks: string[][] = [[]];
  for (const line of lines) {
    if (line.trim() === '') {
      if (blocks.length < 3) blocks.push([]);
      continue;
    }
    blocks[blocks.length - 1]!.push(line);
  }
  const [compares = [], success = [], failure = []] = blocks;
  return { compare: compares.map(parseCompare), success: success.map(parseRequest), failure: failure.map(parseRequest) };
}
