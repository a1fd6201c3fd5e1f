/**
 * Parses `conclave serve` arguments and ETCD_* environment variables the way
 * etcd 3.4 does: Go flag syntax (`-f`, `--f`, `--f=v`, `--f v`), command-line
 * flags win over environment variables, and an unknown or malformed flag
 * stops the member with a message naming it. A config file (--config-file or
 * ETCD_CONFIG_FILE) replaces both, as in etcd; its values are typed here too.
 */
import { readConfigFile } from './config-file.ts';
import { FlagError } from './flag-error.ts';
import { flagTable, legacyIgnoredFlags, type FlagKind } from './flag-table.ts';
import { parseGoBool, parseGoDurationMs, parseGoInteger } from './go-values.ts';

export { FlagError };

export type FlagValue = string | boolean | number | readonly string[] | readonly URL[];

export interface ParsedFlags {
  /** Every flag in the table, explicit or defaulted, as typed values. */
  readonly values: ReadonlyMap<string, FlagValue>;
  /** Flags that were given (by argument or environment). */
  readonly given: ReadonlySet<string>;
  /** Human-readable warnings to log once at start-up. */
  readonly warnings: readonly string[];
}

/** Names where a flag's value was set, for messages: `flag --name`, or the config file key. */
type Origin = (flag: string) => string;
const commandLineOrigin: Origin = (flag) => `flag --${flag}`;

function parseValue(origin: string, kind: FlagKind, text: string, choices?: readonly string[]): FlagValue {
  const invalid = (what: string) =>
    new FlagError(`invalid value "${text}" for ${origin}: ${what}`);
  switch (kind) {
    case 'string':
      if (choices && !choices.includes(text)) throw invalid(`valid values are ${choices.map((c) => `"${c}"`).join(', ')}`);
      return text;
    case 'bool': {
      const value = parseGoBool(text);
      if (value === null) throw invalid('expected a boolean (true or false)');
      return value;
    }
    case 'uint':
    case 'int': {
      const value = parseGoInteger(text, kind === 'uint');
      if (value === null) throw invalid(kind === 'uint' ? 'expected a non-negative integer' : 'expected an integer');
      return value;
    }
    case 'duration': {
      const value = parseGoDurationMs(text);
      if (value === null) throw invalid('expected a duration such as 300ms, 5s or 2h45m');
      return value;
    }
    case 'strings':
      return text === '' ? [] : text.split(',');
    case 'urls':
      return parseUrls(origin, text);
  }
}

function parseUrls(origin: string, text: string): readonly URL[] {
  if (text === '') return [];
  const seen = new Set<string>();
  return text.split(',').map((raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new FlagError(`invalid value "${text}" for ${origin}: "${raw}" is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'unix:' && url.protocol !== 'unixs:') {
      throw new FlagError(`invalid value "${text}" for ${origin}: URL scheme must be http, https, unix or unixs ("${raw}")`);
    }
    if (seen.has(url.href)) throw new FlagError(`invalid value "${text}" for ${origin}: "${raw}" is given twice`);
    seen.add(url.href);
    return url;
  });
}

/** Reads arguments into flag name -> raw text, in Go's flag syntax. */
function scanArguments(argv: readonly string[]): Map<string, string> {
  const raw = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i]!;
    const match = /^--?([^=-][^=]*)(?:=(.*))?$/s.exec(argument);
    if (!match) throw new FlagError(`'${argument}' is not a valid flag`);
    const name = match[1]!;
    const spec = flagTable[name];
    if (!spec && !legacyIgnoredFlags.has(name)) throw new FlagError(`unknown flag: --${name}`);
    let text = match[2];
    if (text === undefined) {
      if (spec?.kind === 'bool') text = 'true';
      else if (i + 1 < argv.length) text = argv[++i]!;
      else throw new FlagError(`flag needs an argument: --${name}`);
    }
    if (raw.has(name)) throw new FlagError(`flag --${name} is given more than once`);
    raw.set(name, text);
  }
  return raw;
}

const envName = (flag: string) => `ETCD_${flag.toUpperCase().replaceAll('-', '_')}`;

export function parseServeFlags(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedFlags {
  const argumentTexts = scanArguments(argv);
  // etcd prints its version before it looks for a config file; the flag wins over the variable.
  const printsVersion = parseGoBool(argumentTexts.get('version') ?? 'false') === true;
  const configFileFlag = argumentTexts.get('config-file') ?? '';
  const configFile = configFileFlag || (env[envName('config-file')] ?? '');
  if (configFile !== '' && !printsVersion) return flagsFromConfigFile(configFile, configFileFlag !== '', argumentTexts, env);
  const raw = new Map(argumentTexts);
  const warnings: string[] = [];
  const knownEnv = new Set<string>();
  for (const flag of Object.keys(flagTable)) {
    const name = envName(flag);
    knownEnv.add(name);
    const text = env[name];
    if (text === undefined) continue;
    if (raw.has(flag)) warnings.push(`ignoring environment variable ${name}: flag --${flag} is also set`);
    else raw.set(flag, text);
  }
  for (const name of Object.keys(env)) {
    if (name.startsWith('ETCD_') && !knownEnv.has(name)) warnings.push(`unrecognized environment variable ${name}`);
  }
  return typedFlags(raw, commandLineOrigin, warnings);
}

/**
 * As etcd 3.4: a config file replaces every other flag and ETCD_* variable.
 * etcd only says so in passing; here each ignored one is named, since a
 * script moving to a config file may still pass flags it expects to matter.
 */
function flagsFromConfigFile(path: string, pathFromFlag: boolean, argumentTexts: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv): ParsedFlags {
  const file = readConfigFile(path);
  const ignored = [
    ...[...argumentTexts.keys()].filter((flag) => flag !== 'config-file').map((flag) => `--${flag}`),
    ...Object.keys(env).filter((name) => name.startsWith('ETCD_') && (pathFromFlag || name !== envName('config-file'))).sort(),
  ];
  const warnings = ignored.length === 0
    ? []
    : [`configuration is read from ${path}, so these command-line flags and environment variables are ignored: ${ignored.join(', ')}`];
  return typedFlags(file.raw, (flag) => file.origins.get(flag) ?? commandLineOrigin(flag), [...warnings, ...file.warnings]);
}

/** Types every flag in the table from its given text or its default: the one place values are validated. */
function typedFlags(raw: ReadonlyMap<string, string>, origin: Origin, warnings: string[]): ParsedFlags {
  const values = new Map<string, FlagValue>();
  for (const [flag, spec] of Object.entries(flagTable)) {
    const text = raw.get(flag) ?? spec.defaultValue;
    values.set(flag, parseValue(origin(flag), spec.kind, text, spec.choices));
    if (raw.has(flag) && spec.effect === 'accepted') {
      warnings.push(`${origin(flag)} is accepted for etcd compatibility and has no effect in Conclave`);
    }
  }
  for (const flag of raw.keys()) {
    if (legacyIgnoredFlags.has(flag)) warnings.push(`flag --${flag} is an obsolete etcd flag and is ignored`);
  }
  return { values, given: new Set(raw.keys()), warnings };
}
