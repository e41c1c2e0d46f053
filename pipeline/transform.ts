// Builds the KPI and penalty tables from the stored records, layer by layer (staging views,
// intermediate and mart tables), each from its SQL file under queries/. Config values reach the
// SQL as DuckDB variables and config tables set through prepared statements, never pasted in.
import type { Config } from './config.ts';
import { Db, sqlFile } from './db.ts';

interface Model {
  name: string;
  file: string;
  materialized: 'view' | 'table';
}

export const MODELS: Model[] = [
  { name: 'stg_tickets', file: 'staging/stg_tickets.sql', materialized: 'view' },
  { name: 'stg_revisits', file: 'staging/stg_revisits.sql', materialized: 'view' },
  { name: 'stg_complaints', file: 'staging/stg_complaints.sql', materialized: 'view' },
  { name: 'stg_violations', file: 'staging/stg_violations.sql', materialized: 'view' },
  { name: 'stg_technicians', file: 'staging/stg_technicians.sql', materialized: 'view' },
  { name: 'stg_outlets', file: 'staging/stg_outlets.sql', materialized: 'view' },
  { name: 'int_ticket_outcomes', file: 'intermediate/int_ticket_outcomes.sql', materialized: 'table' },
  { name: 'int_complaint_credits', file: 'intermediate/int_complaint_credits.sql', materialized: 'table' },
  { name: 'int_month_measures', file: 'intermediate/int_month_measures.sql', materialized: 'table' },
  { name: 'kpi_technician_month', file: 'marts/kpi_technician_month.sql', materialized: 'table' },
  { name: 'kpi_outlet_month', file: 'marts/kpi_outlet_month.sql', materialized: 'table' },
  { name: 'kpi_network_month', file: 'marts/kpi_network_month.sql', materialized: 'table' },
  { name: 'penalty_lines', file: 'marts/penalty_lines.sql', materialized: 'table' },
  { name: 'penalty_totals', file: 'marts/penalty_totals.sql', materialized: 'table' },
  { name: 'outlet_penalty_lines', file: 'marts/outlet_penalty_lines.sql', materialized: 'table' },
  { name: 'data_orphans', file: 'marts/data_orphans.sql', materialized: 'table' },
];

/** Makes the config visible to the SQL: scalar values as variables, the schedule and windows as tables. */
export async function applyConfig(db: Db, config: Config): Promise<void> {
  const variables: Record<string, number> = {
    revisit_window_hours: config.revisit.window_hours,
    grace_minutes: config.on_time.grace_minutes,
    reschedule_notice_minutes: config.on_time.reschedule_notice_minutes,
    technician_min_tickets: config.ranking.technician_min_tickets,
    outlet_min_tickets: config.ranking.outlet_min_tickets,
    weight_revisit_coverage: config.ranking.composite_weights.revisit_coverage,
    weight_satisfied_rate: config.ranking.composite_weights.satisfied_rate,
    weight_on_time_rate: config.ranking.composite_weights.on_time_rate,
    weight_complaints: config.ranking.composite_weights.complaints,
    complaint_rate_scale: config.ranking.complaint_rate_scale,
    training_violations_per_month: config.escalation.training_violations_per_month,
    training_violations_per_year: config.escalation.training_violations_per_year,
    outlet_overcharge_multiplier: config.outlet_overcharge_multiplier,
  };
  for (const [name, value] of Object.entries(variables)) {
    // names are ours; values go in as typed parameters
    await db.connection.run(`set variable ${name} = $1::double`, [value]);
  }

  await db.run(`
    create or replace table cfg_penalty_rules (
      rule_id varchar, name_zh varchar, name_en varchar, amount decimal(18, 2),
      dismissal boolean, dismissal_when_repeated boolean, enabled boolean
    )`);
  for (const r of config.penalty_rules) {
    await db.connection.run(`insert into cfg_penalty_rules values ($1, $2, $3, $4::decimal(18, 2), $5, $6, $7)`, [
      r.rule_id, r.name_zh, r.name_en, r.amount, r.dismissal, r.dismissal_when_repeated, r.enabled,
    ]);
  }
  await db.run(`create or replace table cfg_revisit_windows (service_type varchar, window_hours double)`);
  for (const [serviceType, hours] of Object.entries(config.revisit.window_hours_by_service_type)) {
    await db.connection.run(`insert into cfg_revisit_windows values ($1, $2::double)`, [serviceType, hours]);
  }
}

/** Rebuilds every model in one transaction: a failed or killed run leaves the previous tables intact. */
export async function buildModels(db: Db, onModel: (name: string, ms: number) => void = () => {}): Promise<void> {
  await db.transaction(async () => {
    for (const model of MODELS) {
      const started = performance.now();
      const kind = model.materialized === 'view' ? 'view' : 'table';
      await db.run(`create or replace ${kind} ${model.name} as\n${sqlFile(model.file)}`);
      onModel(model.name, performance.now() - started);
    }
  });
}

export async function checkInvariants(db: Db): Promise<string[]> {
  const rows = await db.all(sqlFile('invariants.sql'));
  return rows.map((r) => String(r.failure));
}
