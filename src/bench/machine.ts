/**
 * One line saying what machine a figure was measured on: cores, CPU model,
 * Node version and the load average at that moment. Every benchmark prints
 * it beside its figures, because on a shared machine the load average is
 * what tells a reader how far to trust them.
 */
import { cpus, loadavg } from 'node:os';

export function describeMachine(): string {
  const cores = cpus();
  return `${cores.length} cores (${cores[0]?.model ?? 'unknown CPU'}), Node ${process.version}, load average ${describeLoad()}`;
}

/** The 1, 5 and 15 minute load averages, e.g. "0.39 1.47 1.57". */
export function describeLoad(): string {
  return loadavg().map((load) => load.toFixed(2)).join(' ');
}
