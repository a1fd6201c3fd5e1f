/**
 * `conclave` command-line entry: dispatches subcommands.
 * `serve` validates etcd-compatible flags now; the member itself arrives with
 * the etcd API issue, and until then it says so plainly instead of pretending
 * to serve.
 */
import { FlagError, parseServeFlags } from './serve/parse-flags.ts';
import { toServeConfig } from './serve/serve-config.ts';
import { conclaveVersion } from '../version.ts';

const usage = `usage: conclave <command> [flags]

commands:
  serve     run a Conclave member (accepts etcd 3.4's flags)
  version   print the version
  help      show this text`;

function serve(argv: readonly string[]): number {
  let config;
  try {
    const flags = parseServeFlags(argv, process.env);
    for (const warning of flags.warnings) console.warn(`conclave: warning: ${warning}`);
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
  console.log(`conclave serve: flags are valid (member "${config.name}", data dir "${config.dataDir}"), but the etcd API server is not built yet; nothing is served.`);
  return 0;
}

function main(argv: readonly string[]): number {
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
    default:
      console.error(`conclave: unknown command '${command}'\n\n${usage}`);
      return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
