/**
 * The replicated alarms (etcd's alarm store, etcdserver/api/v3alarm): which
 * member raised which alarm. Changed only by committed alarm entries, so
 * every member lists the same alarms and refuses the same writes; it travels
 * in snapshots, so an alarm outlives restarts until it is disarmed.
 *
 * Conclave raises one kind: NOSPACE (the backend quota). etcd's CORRUPT needs
 * a corruption check Conclave does not run, so it is never stored here.
 *
 * Never: hold two rows for the same (member, alarm); list in an order that
 * depends on history (rows are listed by alarm, then member ID).
 */
export type AlarmType = 'NOSPACE';

export interface AlarmMember {
  readonly memberId: number;
  readonly alarm: AlarmType;
}

const ALARM_TYPES: ReadonlySet<string> = new Set<AlarmType>(['NOSPACE']);

/** At most this many rows: one per member and alarm type, and a cluster has far fewer members. */
const MAX_ALARMS = 4096;

const rowKey = (memberId: number, alarm: AlarmType): string => `${alarm}:${memberId}`;

export function isAlarmType(value: unknown): value is AlarmType {
  return typeof value === 'string' && ALARM_TYPES.has(value);
}

export class AlarmTable {
  private readonly rows = new Map<string, AlarmMember>();

  /** The row for (member, alarm), created if new (etcd answers with it either way); null when the table is full. */
  activate(memberId: number, alarm: AlarmType): AlarmMember | null {
    const key = rowKey(memberId, alarm);
    const existing = this.rows.get(key);
    if (existing !== undefined) return existing;
    if (this.rows.size >= MAX_ALARMS) return null;
    const row = { memberId, alarm };
    this.rows.set(key, row);
    return row;
  }

  /** Removes the row and returns it; null when that member had not raised that alarm. */
  deactivate(memberId: number, alarm: AlarmType): AlarmMember | null {
    const key = rowKey(memberId, alarm);
    const row = this.rows.get(key) ?? null;
    this.rows.delete(key);
    return row;
  }

  isActive(alarm: AlarmType): boolean {
    for (const row of this.rows.values()) if (row.alarm === alarm) return true;
    return false;
  }

  /** The rows of one alarm type, or of all ('NONE', as etcd's AlarmType_NONE asks). */
  list(alarm: AlarmType | 'NONE' = 'NONE'): AlarmMember[] {
    return [...this.rows.values()]
      .filter((row) => alarm === 'NONE' || row.alarm === alarm)
      .sort((a, b) => (a.alarm < b.alarm ? -1 : a.alarm > b.alarm ? 1 : a.memberId - b.memberId));
  }

  /** Replaces every row (snapshot restore); throws TypeError on a malformed or repeated row, keeping the old rows. */
  replace(rows: readonly unknown[]): void {
    const next = new Map<string, AlarmMember>();
    for (const row of rows) {
      const { memberId, alarm } = (typeof row === 'object' && row !== null ? row : {}) as { memberId?: unknown; alarm?: unknown };
      if (!Number.isSafeInteger(memberId) || !isAlarmType(alarm) || next.has(rowKey(memberId as number, alarm)) || next.size >= MAX_ALARMS) {
        throw new TypeError(`alarm row ${JSON.stringify(row)} is not a new { memberId, alarm }`);
      }
      next.set(rowKey(memberId as number, alarm), { memberId: memberId as number, alarm });
    }
    this.rows.clear();
    for (const [key, row] of next) this.rows.set(key, row);
  }
}
