/**
 * The shared parts of the `conclave` client subcommands: flag parsing in
 * etcdctl's style (`--flag=value`, `--flag value`, boolean `--flag`), the
 * global flags (`--endpoints`, `-w/--write-out`, `--command-timeout`, and
 * TLS: `--cacert`, `--cert`, `--key`, `--insecure-skip-tls-verify`), the
 * output sink, and the one place that turns a failure into "Error: ..." on
 * stderr and exit code 1.
 *
 * Never: print a stack trace for a refusal or a usage mistake, or exit 0
 * after a failure.
 */
import { readFileSync } from 'node:fs';
import { connect, type ClientTlsOptions, type ConclaveClient } from '../../client/index.ts';
import { EndpointError } from '../../client/endpoints.ts';
import { ConclaveError } from '../../embedded/errors.ts';
import type { ProgressStream } from './progress.ts';

/** Where a command writes and what stops it; the real CLI wires process streams and SIGINT. */
export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
  /** All of standard input (txn reads its requests from it). */
  readStdin(): Promise<string>;
  /** Aborted to end a long-running command (watch, lease keep-alive). */
  readonly signal: AbortSignal;
  /** Where progress bars are drawn (the CLI: stderr); drawn only when it is a TTY. Absent: none. */
  readonly progress?: ProgressStream;
}

export type OutputFormat = 'simple' | 'json';

export interface ParsedArgs {
  readonly positionals: string[];
  readonly values: Map<string, string>;
  readonly switches: Set<string>;
}

export interface FlagSpec {
  /** Flags that take a value. */
  readonly values?: readonly string[];
  /** Flags that are on when present (`--flag` or `--flag=true|false`). */
  readonly switches?: readonly string[];
}

/** A mistake in the command line: printed with the usage hint, exit code 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A refusal of the command's input (a damaged or foreign file, a data directory in use): "Error: ...", exit code 1. */
export class CommandFailure extends Error {
  override readonly name = 'CommandFailure';
}

const globalValues = ['endpoints', 'write-out', 'command-timeout', 'cacert', 'cert', 'key'];
const globalSwitches = ['insecure-skip-tls-verify'];
const aliases: Readonly<Record<string, string>> = { w: 'write-out' };

export function parseArgs(argv: readonly string[], spec: FlagSpec): ParsedArgs {
  const valueFlags = new Set([...globalValues, ...(spec.values ?? [])]);
  const switchFlags = new Set([...globalSwitches, ...(spec.switches ?? [])]);
  const parsed: ParsedArgs = { positionals: [], values: new Map(), switches: new Set() };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    if (arg === '--') {
      parsed.positionals.push(...argv.slice(index + 1));
      break;
    }
    const match = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/s.exec(arg);
    if (match === null) {
      parsed.positionals.push(arg);
      continue;
    }
    const name = aliases[match[1]!] ?? match[1]!;
    const inline = match[2];
    if (switchFlags.has(name)) {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') throw new UsageError(`flag --${name} takes true or false, got ${inline}`);
      if (inline !== 'false') parsed.switches.add(name);
    } else if (valueFlags.has(name)) {
      const value = inline ?? argv[index + 1];
      if (value === undefined) throw new UsageError(`flag --${name} needs a value`);
      if (inline === undefined) index += 1;
      parsed.values.set(name, value);
    } else {
      throw new UsageError(`unknown flag: ${arg}`);
    }
  }
  return parsed;
}

export function outputFormat(args: ParsedArgs): OutputFormat {
  const format = args.values.get('write-out') ?? 'simple';
  if (format !== 'simple' && format !== 'json') throw new UsageError(`--write-out must be simple or json, got ${format}`);
  return format;
}

/** A non-negative integer flag (revisions, TTLs, counts). */
export function integerFlag(args: ParsedArgs, name: string, fallback: number): number {
  const text = args.values.get(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) throw new UsageError(`--${name} must be a non-negative integer, got ${text}`);
  return value;
}

/** etcdctl writes member and lease IDs in hex. */
export function parseHexId(text: string | undefined, what: string): number {
  if (text === undefined || !/^[0-9a-fA-F]{1,16}$/.test(text)) throw new UsageError(`${what} must be a hexadecimal ID, got ${text ?? 'nothing'}`);
  const id = BigInt(`0x${text}`);
  if (id > BigInt(Number.MAX_SAFE_INTEGER)) throw new UsageError(`${what} ${text} is beyond 2^53; this client cannot name it`);
  return Number(id);
}

export const hexId = (id: number): string => id.toString(16).padStart(16, '0');
/** etcdctl's %x: no padding. */
export const shortHexId = (id: number): string => id.toString(16);

/** JSON for scripts: the client's result objects, bytes as base64 (as etcdctl's JSON has them). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) => (field instanceof Uint8Array ? Buffer.from(field).toString('base64') : field));
}

export const utf8 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');

const DEFAULT_ENDPOINT = '127.0.0.1:2379';
/** etcdctl's default command timeout is 5 s. */
const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;

function timeoutMs(args: ParsedArgs): number {
  const text = args.values.get('command-timeout');
  if (text === undefined) return DEFAULT_COMMAND_TIMEOUT_MS;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (match === null) throw new UsageError(`--command-timeout must be a duration like 5s or 500ms, got ${text}`);
  const scale = { ms: 1, s: 1_000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'];
  return Number(match[1]) * scale;
}

function readPemFlag(args: ParsedArgs, flag: 'cacert' | 'cert' | 'key'): Buffer | undefined {
  const file = args.values.get(flag);
  if (file === undefined) return undefined;
  if (file === '') throw new UsageError(`empty string is passed to --${flag} option`);
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`--${flag} ${file}: ${(error as Error).message}`);
  }
}

/** etcdctl's TLS flags as the client's tls option; undefined when none is given (then only https:// endpoints use TLS). */
export function tlsFromFlags(args: ParsedArgs): ClientTlsOptions | undefined {
  const caPem = readPemFlag(args, 'cacert');
  const certPem = readPemFlag(args, 'cert');
  const keyPem = readPemFlag(args, 'key');
  const insecureSkipVerify = args.switches.has('insecure-skip-tls-verify');
  if (caPem === undefined && certPem === undefined && keyPem === undefined && !insecureSkipVerify) return undefined;
  if ((certPem === undefined) !== (keyPem === undefined)) throw new UsageError('--cert and --key go together: give both or neither');
  return { ...(caPem && { caPem }), ...(certPem && { certPem }), ...(keyPem && { keyPem }), insecureSkipVerify };
}

/** Connects to `--endpoints` (comma-separated; default 127.0.0.1:2379), runs `work`, always closes. */
export async function withClient<T>(args: ParsedArgs, work: (client: ConclaveClient) => Promise<T>): Promise<T> {
  const endpoints = (args.values.get('endpoints') ?? DEFAULT_ENDPOINT).split(',').filter((endpoint) => endpoint !== '');
  const tls = tlsFromFlags(args);
  let client: ConclaveClient;
  try {
    client = await connect({ endpoints, callTimeoutMs: timeoutMs(args), ...(tls && { tls }) });
  } catch (error) {
    // connect() refuses option mistakes (mixed schemes, a bad certificate) with TypeError: a usage mistake here.
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

/** Runs a subcommand body: refusals and usage mistakes become "Error: ..." and exit code 1. */
export async function runCommand(io: CommandIo, body: () => Promise<number | void>): Promise<number> {
  try {
    return (await body()) ?? 0;
  } catch (error) {
    if (error instanceof ConclaveError || error instanceof UsageError || error instanceof CommandFailure || error instanceof EndpointError) {
      io.err(`Error: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
