/**
 * Reads etcd's YAML configuration file (`--config-file`, ETCD_CONFIG_FILE)
 * into the same flag name -> raw text map the argument parser builds, so
 * every value is then typed, defaulted and validated by the one flag path.
 *
 * This module checks only what that path cannot see: that the file is YAML,
 * and each value's YAML type. etcd decodes the file into typed Go fields, so
 * `heartbeat-interval: "100"` or `listen-client-urls: [a, b]` are errors
 * there too. It must never interpret a value itself (no defaults, no range
 * checks): that would be a second validation path that drifts from the flags.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Scalar } from 'yaml';
import { FlagError } from './flag-error.ts';
import { flagTable } from './flag-table.ts';

/** A config file is a page of settings; a larger file is a mistake (a log, a binary) and is refused unread. */
const maxConfigFileBytes = 1024 * 1024;

/**
 * The two nested TLS objects, key -> the flag it sets. etcd 3.4 reads cert-file, key-file,
 * client-cert-auth, trusted-ca-file and auto-tls; allowed-cn, allowed-hostname and
 * skip-client-san-verification are etcd 3.5's. No etcd version reads a CRL file from its
 * config file, so --client-crl-file and --peer-crl-file have no key here either.
 */
const transportSecurityKeys: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'client-transport-security': {
    'cert-file': 'cert-file',
    'key-file': 'key-file',
    'client-cert-auth': 'client-cert-auth',
    'trusted-ca-file': 'trusted-ca-file',
    'auto-tls': 'auto-tls',
    'allowed-hostname': 'client-cert-allowed-hostname',
  },
  'peer-transport-security': {
    'cert-file': 'peer-cert-file',
    'key-file': 'peer-key-file',
    'client-cert-auth': 'peer-client-cert-auth',
    'trusted-ca-file': 'peer-trusted-ca-file',
    'auto-tls': 'peer-auto-tls',
    'allowed-cn': 'peer-cert-allowed-cn',
    'allowed-hostname': 'peer-cert-allowed-hostname',
    'skip-client-san-verification': 'experimental-peer-skip-client-san-verification',
  },
};

/** Top-level keys etcd spells differently from the flag. */
const renamedKeys: Readonly<Record<string, string>> = {
  'backend-bbolt-freelist-type': 'experimental-backend-bbolt-freelist-type',
};

/** Flags with no top-level key: set through a nested object, renamed, or not configuration at all. */
const flagsWithoutTopLevelKey: ReadonlySet<string> = new Set([
  ...Object.values(transportSecurityKeys).flatMap((keys) => Object.values(keys)),
  ...Object.values(renamedKeys),
  'client-crl-file', 'peer-crl-file', 'config-file', 'version',
]);

/** Top-level key -> flag. */
const topLevelKeys: ReadonlyMap<string, string> = new Map([
  ...Object.keys(flagTable).filter((flag) => !flagsWithoutTopLevelKey.has(flag)).map((flag) => [flag, flag] as const),
  ...Object.entries(renamedKeys),
]);

/** Where the file sets a flag that has no top-level key of its name, for the unknown-key warning. */
function fileKeyOf(flag: string): string | undefined {
  for (const [objectKey, keys] of Object.entries(transportSecurityKeys)) {
    for (const [key, target] of Object.entries(keys)) if (target === flag) return `${objectKey}.${key}`;
  }
  return Object.entries(renamedKeys).find(([, target]) => target === flag)?.[0];
}

export interface ConfigFileFlags {
  /** Flag name -> raw text, exactly as if it had been given on the command line. */
  readonly raw: ReadonlyMap<string, string>;
  /** Flag name -> where the file sets it (`key "name" in etcd.conf.yml (line 3)`), for messages. */
  readonly origins: ReadonlyMap<string, string>;
  readonly warnings: readonly string[];
}

/** Loads the file at `path`; throws FlagError naming the file (and key) for anything etcd would refuse. */
export function readConfigFile(path: string): ConfigFileFlags {
  const text = readText(path);
  const lineCounter = new LineCounter();
  // etcd decodes with a YAML 1.1 parser: `on`, `yes`, `off` are booleans there, so they are here.
  const doc = parseDocument(text, { version: '1.1', lineCounter, prettyErrors: false });
  const firstError = doc.errors[0];
  if (firstError) {
    const { line } = lineCounter.linePos(firstError.pos[0]);
    throw new FlagError(`config file ${path}: invalid YAML at line ${line}: ${firstError.message}`);
  }
  const raw = new Map<string, string>();
  const origins = new Map<string, string>();
  const warnings: string[] = [];
  const place = (keyPath: string, node: Node) => {
    const offset = node.range?.[0];
    return `key "${keyPath}" in ${path}${offset === undefined ? '' : ` (line ${lineCounter.linePos(offset).line})`}`;
  };
  const set = (flag: string, keyPath: string, keyNode: Node, valueNode: Node | null) => {
    const where = place(keyPath, keyNode);
    const rawText = flagText(flag, resolved(doc, valueNode), where);
    if (rawText === null) return;
    if (raw.has(flag)) throw new Error(`two config keys map to --${flag}: config-file.ts maps two keys to one flag`);
    raw.set(flag, rawText);
    origins.set(flag, where);
  };

  const root = resolved(doc, doc.contents);
  if (root === null) return { raw, origins, warnings };
  if (!isMap(root)) throw new FlagError(`config file ${path}: expected a mapping of etcd configuration keys at the top level`);
  for (const pair of root.items) {
    const keyNode = pair.key as Node;
    const key = keyText(keyNode, path);
    const valueNode = pair.value as Node | null;
    const flag = topLevelKeys.get(key);
    if (flag !== undefined) {
      set(flag, key, keyNode, valueNode);
      continue;
    }
    const nestedKeys = transportSecurityKeys[key];
    if (nestedKeys === undefined) {
      const fileKey = fileKeyOf(key);
      const hint = fileKey !== undefined ? ` (etcd reads it as ${fileKey})`
        : flagTable[key] !== undefined ? ` (--${key} cannot be set from an etcd config file)` : '';
      warnings.push(`ignoring unknown ${place(key, keyNode)}${hint}`);
      continue;
    }
    const object = resolved(doc, valueNode);
    if (object === null) continue;
    if (!isMap(object)) throw new FlagError(`${place(key, keyNode)}: expected a mapping such as cert-file: ..., key-file: ...`);
    for (const nestedPair of object.items) {
      const nestedKeyNode = nestedPair.key as Node;
      const nestedKey = keyText(nestedKeyNode, path);
      const nestedFlag = nestedKeys[nestedKey];
      if (nestedFlag === undefined) warnings.push(`ignoring unknown ${place(`${key}.${nestedKey}`, nestedKeyNode)}`);
      else set(nestedFlag, `${key}.${nestedKey}`, nestedKeyNode, nestedPair.value as Node | null);
    }
  }
  return { raw, origins, warnings };
}

function readText(path: string): string {
  try {
    const sizeBytes = statSync(path).size;
    if (sizeBytes > maxConfigFileBytes) {
      throw new FlagError(`config file ${path} is ${sizeBytes} bytes; a configuration file is at most ${maxConfigFileBytes} bytes`);
    }
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof FlagError) throw error;
    throw new FlagError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
}

/** An alias stands for the node it names; YAML null (a key with nothing after it) is "not set", as in etcd. */
function resolved(doc: Document, node: Node | null): Node | null {
  const target = isAlias(node) ? node.resolve(doc) ?? null : node;
  if (target === null || (isScalar(target) && target.value === null)) return null;
  return target;
}

function keyText(node: Node, path: string): string {
  if (!isScalar(node)) throw new FlagError(`config file ${path}: a key must be a plain name, not a collection`);
  return String(node.value);
}

/** A scalar exactly as written (`on`, `1.0`, `0x10`), for flags that take text. */
const writtenText = (node: Scalar): string => (typeof node.value === 'string' ? node.value : node.source ?? String(node.value));

/** The flag text for one YAML value, or null when the value is YAML null. */
function flagText(flag: string, node: Node | null, where: string): string | null {
  if (node === null) return null;
  const spec = flagTable[flag];
  if (!spec) throw new Error(`config key maps to --${flag}, which the flag table does not have`);
  const wrongType = (expected: string) =>
    new FlagError(`${where}: expected ${expected}, got ${isScalar(node) ? `${typeof node.value} ${JSON.stringify(writtenText(node))}` : 'a list or mapping'}`);
  switch (spec.kind) {
    case 'string':
    case 'urls':
      // As etcd's YAML decoder does for a string field, a number or boolean is taken as written.
      if (!isScalar(node)) throw wrongType(spec.kind === 'urls' ? 'a comma-separated string of URLs' : 'a string');
      return writtenText(node);
    case 'strings':
      if (isScalar(node)) return writtenText(node);
      if (isSeq(node) && node.items.every((item) => isScalar(item))) return node.items.map((item) => writtenText(item as Scalar)).join(',');
      throw wrongType('a list of strings or a comma-separated string');
    case 'bool':
      if (!isScalar(node) || typeof node.value !== 'boolean') throw wrongType('a boolean (true or false)');
      return String(node.value);
    case 'uint':
    case 'int':
      if (!isScalar(node) || typeof node.value !== 'number' || !Number.isInteger(node.value)) throw wrongType('an integer');
      // Beyond 2^53 the parsed number is rounded: hand the flag path the digits, which it refuses by name.
      return Number.isSafeInteger(node.value) ? String(node.value) : writtenText(node);
    case 'duration':
      // etcd decodes a duration field from an integer count of nanoseconds; Conclave also takes Go's "5s" form.
      if (isScalar(node) && typeof node.value === 'number' && Number.isSafeInteger(node.value)) return `${node.value}ns`;
      if (isScalar(node) && typeof node.value === 'string') return node.value;
      throw wrongType('an integer number of nanoseconds or a duration such as "5s"');
  }
}
