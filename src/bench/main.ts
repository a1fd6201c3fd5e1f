/** `node --import tsx src/bench/main.ts --workload put …`: the load generator as a command. */
import { benchMain } from './index.ts';

process.exitCode = await benchMain(process.argv.slice(2));
