/**
 * The one error `conclave serve` raises for a bad configuration, whether it
 * came from a flag, an ETCD_* variable or a config file: the command prints
 * its message and exits 1 instead of starting a member.
 */
export class FlagError extends Error {
  override readonly name = 'FlagError';
}
