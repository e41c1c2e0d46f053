// The reports of a run: data quality (files, rejects without raw lines, orphans, skipped files,
// extra columns), the revisit backlog, and the run itself (inputs and the config it ran with).
import type { Config } from '../common/config.ts';
import { type Db, sqlFile } from '../common/db.ts';
import { localNow } from '../common/time.ts';
import type { FileOutcome } from '../load/index.ts';

export interface RunInfo {
  runId: string;
  startedAt: string;
  startedMs: number;
  files: FileOutcome[];
  config: Config;
}

const REJECTS_PER_FILE = 200;

const ORPHAN_ROWS = 500;

const BACKLOG_ROWS = 2000;

const FOLLOWUP_ROWS = 2000;

export async function qualityReport(db: Db): Promise<unknown> {
  return {
    files: await db.all(`select batch_id, file_name, kind, encoding, rows_read, rows_loaded, rows_rejected, strftime(loaded_at, '%Y-%m-%d %H:%M:%S') as loaded_at from load_batches order by batch_id`),
    reject_reasons: await db.all(`select file, reason, count(*) as rows from load_rejects group by all order by file, reason`),
    // where each rejected row is and why, never its raw line (see PUBLISHED_ROWS)
    rejects: await db.all(`
      select file, line, "column", reason, mask_phone_numbers(value) as value
      from load_rejects
      qualify row_number() over (partition by file order by line, "column", reason, value) <= ${REJECTS_PER_FILE}
      order by file, line, "column", reason, value`),
    rejects_truncated: (await db.value<number>(`select count(*) from (select file from load_rejects group by file having count(*) > ${REJECTS_PER_FILE})`)) > 0,
    orphans: Object.fromEntries(
      (await db.all(`select kinds.kind, count(orphans.kind) as n from (values ('revisits'), ('complaints')) as kinds(kind) left join data_orphans as orphans using (kind) group by kinds.kind`)).map((r) => [r.kind, r.n]),
    ),
    orphan_rows: await db.all(`select kind, record_id, ticket_id, strftime(event_at, '%Y-%m-%d %H:%M:%S') as event_at from data_orphans order by kind, event_at, record_id limit ${ORPHAN_ROWS}`),
    skipped_files: await db.all(`select file, reason, strftime(max(seen_at), '%Y-%m-%d %H:%M:%S') as seen_at from load_skipped_files group by file, reason order by file, reason`),
    extra_columns: await db.all(`select distinct file, column_name from load_extra_columns order by file, column_name`),
  };
}

export async function backlogReport(db: Db): Promise<unknown> {
  await db.run(`create or replace temp table pub_backlog as ${sqlFile('publish/backlog.sql')}`);
  const followups = await followupBacklog(db);
  // the same time in both lists; either may be empty
  const asOf = await db.value<string | null>(`
    select strftime(max(as_of), '%Y-%m-%d %H:%M:%S')
    from (select as_of from pub_backlog union all select as_of from pub_followup_backlog)`);
  return {
    as_of: asOf ?? null,
    total: await db.value<number>(`select count(*) from pub_backlog`),
    by_outlet: await db.all(`
      select backlog.outlet_id, outlets.name as outlet_name,
             count(*) filter (where state = 'open') as open, count(*) filter (where state = 'overdue') as overdue
      from pub_backlog as backlog left join stg_outlets as outlets using (outlet_id)
      group by all order by overdue desc, open desc, backlog.outlet_id`),
    rows: await db.all(`
      select ticket_id, outlet_id, technician_id, service_type,
             strftime(completed_at, '%Y-%m-%d %H:%M:%S') as completed_at, strftime(window_end, '%Y-%m-%d %H:%M:%S') as window_end,
             hours_since_completion, state, attempts, strftime(last_attempt_at, '%Y-%m-%d %H:%M:%S') as last_attempt_at
      from pub_backlog order by completed_at, ticket_id limit ${BACKLOG_ROWS}`),
    followups,
  };
}

/** The unsatisfied customers' follow-up calls not made (spec 5.3): still due, or missed lately. */
async function followupBacklog(db: Db): Promise<unknown> {
  await db.run(`create or replace temp table pub_followup_backlog as ${sqlFile('publish/followup_backlog.sql')}`);
  return {
    total: await db.value<number>(`select count(*) from pub_followup_backlog`),
    // every call and state, a zero included, so that the page's counts never miss a line
    by_state: await db.all(`
      select calls.call, states.state, count(backlog.ticket_id) as followups
      from (values ('week', 1), ('month', 2)) as calls(call, call_order)
      cross join (values ('due', 1), ('missed', 2)) as states(state, state_order)
      left join pub_followup_backlog as backlog on backlog.call = calls.call and backlog.state = states.state
      group by calls.call, calls.call_order, states.state, states.state_order order by calls.call_order, states.state_order`),
    rows: await db.all(`
      select ticket_id, outlet_id, technician_id,
             strftime(completed_at, '%Y-%m-%d %H:%M:%S') as completed_at, strftime(verdict_at, '%Y-%m-%d %H:%M:%S') as verdict_at,
             call, strftime(due_by, '%Y-%m-%d %H:%M:%S') as due_by, state, calls_made, strftime(last_call_at, '%Y-%m-%d %H:%M:%S') as last_call_at
      from pub_followup_backlog order by due_by, ticket_id, call limit ${FOLLOWUP_ROWS}`),
  };
}

export function runReport(run: RunInfo): unknown {
  const c = run.config;
  return {
    run_id: run.runId,
    started_at: run.startedAt,
    finished_at: localNow(),
    seconds: Math.round(performance.now() - run.startedMs) / 1000,
    inputs: run.files.map((f) => ({
      file_name: f.file,
      kind: f.status === 'skipped' ? null : f.kind,
      encoding: f.status === 'loaded' ? f.encoding : null,
      status: f.status,
      rows_read: f.status === 'loaded' ? f.rowsRead : null,
      rows_loaded: f.status === 'loaded' ? f.rowsLoaded : null,
      rows_rejected: f.status === 'loaded' ? f.rowsRejected : null,
      reason: f.status === 'skipped' ? f.reason : null,
    })),
    config: {
      revisit_window_hours: c.revisit.window_hours,
      revisit_window_hours_by_service_type: c.revisit.window_hours_by_service_type,
      reschedule_notice_minutes: c.on_time.reschedule_notice_minutes,
      grace_minutes: c.on_time.grace_minutes,
      technician_min_tickets: c.ranking.technician_min_tickets,
      outlet_min_tickets: c.ranking.outlet_min_tickets,
      composite_weights: c.ranking.composite_weights,
      complaint_rate_scale: c.ranking.complaint_rate_scale,
      training_violations_per_month: c.escalation.training_violations_per_month,
      training_violations_per_year: c.escalation.training_violations_per_year,
      outlet_overcharge_multiplier: c.outlet_overcharge_multiplier,
      // the windows the pages quote when they explain the repeat and follow-up measures
      repeat_window_days: c.repeat_repair.window_days,
      followup_week_days: c.followup.week_days,
      followup_month_days: c.followup.month_days,
      penalty_rules: c.penalty_rules.map((r) => ({ rule_id: r.rule_id, name_zh: r.name_zh, name_en: r.name_en, amount: r.amount, dismissal: r.dismissal, enabled: r.enabled })),
    },
  };
}
