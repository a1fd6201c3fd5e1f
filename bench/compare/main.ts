/** `npm run bench:compare -- [flags]`: see cli.ts and --help. */
import { compareMain } from './cli.ts';

process.exitCode = await compareMain(process.argv.slice(2));
