/**
 * `conclave` command-line entry: dispatches subcommands.
 * The server (`serve`) arrives with the etcd API issue; until then it says so
 * plainly and exits cleanly instead of pretending to serve.
 */
const usage = `usage: conclave <command> [flags]

commands:
  serve     run a Conclave member (etcd-compatible flags)
  help      show this text`;

function main(argv: readonly string[]): number {
  const [command] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return 0;
    case 'serve':
      console.log('conclave serve: the etcd API server is not built yet; nothing is served.');
      return 0;
    default:
      console.error(`conclave: unknown command '${command}'\n\n${usage}`);
      return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
