/**
 * The embedded handle's alarms: etcd's Maintenance.Alarm (list, raise,
 * disarm). Every call goes through Raft, as in etcd, so a raise or a disarm
 * holds on every member once answered, and a list answers as of a committed
 * point of the log.
 *
 * The alarm Conclave raises itself is NOSPACE (backend-quota.ts). While it is
 * raised, every member refuses puts, txns with puts and lease grants with
 * NoSpaceError; reads, deletes, compactions and lease revokes still work.
 */
import type { WriteResult } from '../../actors/applier/applier-actor.ts';
import type { AlarmMember, AlarmType } from '../../actors/applier/alarm-table.ts';
import type { AlarmCommand } from '../../actors/member/commands.ts';

export type { AlarmMember, AlarmType } from '../../actors/applier/alarm-table.ts';

export interface AlarmApi {
  /** The raised alarms, of one type or all ('NONE', etcd's AlarmType_NONE); by alarm, then member ID. */
  list(alarm?: AlarmType | 'NONE'): Promise<AlarmMember[]>;
  /** Raises `alarm` under `memberId`; answers with the row (also when it was already raised). */
  activate(memberId: number, alarm: AlarmType): Promise<AlarmMember[]>;
  /** Disarms one member's alarm; answers with the row removed, or nothing when it was not raised. */
  deactivate(memberId: number, alarm: AlarmType): Promise<AlarmMember[]>;
  /** Disarms every raised alarm (what `etcdctl alarm disarm` does); answers with the rows removed. */
  disarmAll(): Promise<AlarmMember[]>;
}

/** A disarm of everything lists first, then disarms each row: at most this many. */
const MAX_DISARMED_PER_CALL = 4096;

export function alarmApi(propose: (command: AlarmCommand) => Promise<WriteResult>): AlarmApi {
  const request = async (action: AlarmCommand['action'], memberId: number, alarm: AlarmCommand['alarm']): Promise<AlarmMember[]> => {
    const result = await propose({ type: 'alarm', action, memberId, alarm });
    if (result.type !== 'alarm') throw new Error(`alarm request answered with ${result.type}`);
    return [...result.alarms];
  };
  const api: AlarmApi = {
    list: (alarm = 'NONE') => request('get', 0, alarm),
    activate: (memberId, alarm) => request('activate', memberId, alarm),
    deactivate: (memberId, alarm) => request('deactivate', memberId, alarm),
    disarmAll: async () => {
      const raised = (await api.list()).slice(0, MAX_DISARMED_PER_CALL);
      const disarmed = await Promise.all(raised.map((row) => api.deactivate(row.memberId, row.alarm)));
      return disarmed.flat();
    },
  };
  return api;
}
