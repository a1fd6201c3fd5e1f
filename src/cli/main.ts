/**
 * `conclave` command-line entry: dispatches subcommands.
 * `serve` takes etcd 3.4's flags and runs one member serving the etcd v3 API
 * until SIGINT or SIGTERM, then stops serving, closes the store and exits 0.
 */
import { FlagError, parseServeFlags } from './serve/parse-flags.ts';
import { toServeConfig, type ServeConfig } from './serve/serve-config.ts';
import { serve as serveMember, ServeError, type ServeLog } from '../server/index.ts';
import { benchMain } from '../bench/index.ts';
import { clientCommandsUsage, isClientCommand, runClientCommand } from './commands/index.ts';
import { conclaveVersion } from '../version.ts';

const usage = `usage: conclave <command> [flags]

commands:
  serve     run a Conclave member (accepts etcd 3.4's flags)
  bench     load-generate against etcd v3 endpoints (conclave bench --help)
  version   print the version
  help      show this text

client commands (etcdctl style; --endpoints=a,b, -w json; TLS: --cacert --cert --key --insecure-skip-tls-verify):
${clientCommandsUsage}`;

/**
 * Flags the table marks as used by a member but that this build of
 * `conclave serve` does not act on yet: said once at start-up, never silently.
 */
const flagsNotYetHonoured = [
  'grpc-keepalive-min-time',
  'strict-reconfig-check', 'auto-compaction-retention', 'auto-compaction-mode',
  'debug', 'log-level', 'metrics',
] as const;

/** etcd-like log lines on stderr: time, level, message. */
const log: ServeLog = (level, message) => {
  console.error(`${new Date().toISOString()} ${level === 'info' ? 'I' : 'W'} | conclave: ${message}`);
};

async function runServer(config: ServeConfig): Promise<number> {
  let member;
  try {
    member = await serveMember(config, log);
  } catch (error) {
    if (error instanceof ServeError) {
      console.error(`conclave: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const reason = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('received SIGINT'));
    process.once('SIGTERM', () => resolve('received SIGTERM'));
    void member.removed.then(() => resolve('the member has been permanently removed from the cluster'));
  });
  log('info', `${reason}, shutting down`);
  await member.close();
  log('info', 'stopped');
  return 0;
}

async function serve(argv: readonly string[]): Promise<number> {
  let config;
  try {
    const flags = parseServeFlags(argv, process.env);
    for (const warning of flags.warnings) console.warn(`conclave: warning: ${warning}`);
    for (const flag of flagsNotYetHonoured) {
      if (flags.given.has(flag)) console.warn(`conclave: warning: flag --${flag} is not acted on by conclave serve yet`);
    }
    config = toServeConfig(flags);
  } catch (error) {
    if (error instanceof FlagError) {
      console.error(`conclave: ${error.message}`);
      return 1;
    }
    throw error;
  }
  if (config.printVersion) {
    console.log(`conclave Version: ${conclaveVersion}`);
    return 0;
  }
  return runServer(config);
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return 0;
    case 'version':
    case '--version':
      console.log(`conclave Version: ${conclaveVersion}`);
      return 0;
    case 'serve':
      return serve(rest);
    case 'bench':
      return benchMain(rest);
    default:
      if (isClientCommand(command)) return runClientCommand(command, rest);
      console.error(`conclave: unknown command '${command}'\n\n${usage}`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
