import t from 'tap';
import { runSeedBudget } from './seed-budget.ts';

/** The CI budget for 5 members (3 members: sim.test.ts); the README gives the measured time. */
const SEEDS = 300;

t.test(`${SEEDS} seeded runs of 5 members under faults: no violation`, (t) => runSeedBudget(t, 5, 1, SEEDS));
