/** `npm run bench:plots -- --html out.html result.json…`: see cli.ts and --help. */
import { plotsMain } from './cli.ts';

process.exitCode = plotsMain(process.argv.slice(2));
