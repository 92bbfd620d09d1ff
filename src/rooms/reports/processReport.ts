/**
 * What the report queue does with each report. Every step is idempotent (a compare-and-set merge, set
 * additions, a max-time write), so the queue may safely repeat a report whose send failed halfway.
 */
import type { ActivityLog } from '../../roles/ActivityLog.js';
import type { ZoneAccounts } from '../../serverstate/ZoneAccounts.js';
import type { ReportHandler } from './ReportQueue.js';
import type { RoleRegistry, SettlementSink } from '../services.js';

export interface ReportTargets {
  roles: RoleRegistry;
  accounts: ZoneAccounts;
  activity: ActivityLog;
  settlements: SettlementSink;
}

export function reportHandler(t: ReportTargets): ReportHandler {
  return async (report) => {
    switch (report.kind) {
      case 'role': {
        const u = report.update;
        await t.roles.apply(u);
        await t.accounts.noteRole(u.zoneId, u.userId);
        await t.accounts.noteAccount(u.zoneId, u.userId, u.at);
        await t.activity.mark(u.zoneId, u.userId, u.at);
        if (u.mode === 'create') await t.roles.noteLogin(u.userId, u.zoneId, u.roleId, u.at);
        return;
      }
      case 'joined':
        await t.accounts.noteAccount(report.zoneId, report.userId, report.at);
        await t.activity.mark(report.zoneId, report.userId, report.at);
        await t.roles.noteLogin(report.userId, report.zoneId, report.roleId, report.at);
        return;
      case 'settlement':
        await t.settlements.report(report.settlement);
        return;
    }
  };
}
