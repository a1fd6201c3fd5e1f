/** `npm run bench:failover -- [flags]`: see cli.ts and --help. */
import { failoverMain } from './cli.ts';

process.exitCode = await failoverMain(process.argv.slice(2));
