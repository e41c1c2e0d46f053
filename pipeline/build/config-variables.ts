// The config as the SQL sees it: scalar values as DuckDB variables, the schedule and the revisit
// windows and the settlement fees as tables, set through prepared parameters, never pasted into SQL text.
import type { Config } from '../common/config.ts';
import type { Db } from '../common/db.ts';

export const CONFIG_VARIABLES = [
  'revisit_window_hours', 'grace_minutes', 'reschedule_notice_minutes', 'technician_min_tickets', 'outlet_min_tickets',
  'weight_revisit_coverage', 'weight_satisfied_rate', 'weight_on_time_rate', 'weight_complaints', 'complaint_rate_scale',
  'training_violations_per_month', 'training_violations_per_year', 'outlet_overcharge_multiplier',
  'repeat_window_days', 'followup_week_days', 'followup_month_days', 'settlement_payment_days',
] as const;

/** Makes the config visible to the SQL: scalar values as variables, the schedule, windows and fees as tables. */
export async function applyConfig(db: Db, config: Config): Promise<void> {
  const variables: Record<(typeof CONFIG_VARIABLES)[number], number> = {
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
    repeat_window_days: config.repeat_repair.window_days,
    followup_week_days: config.followup.week_days,
    followup_month_days: config.followup.month_days,
    settlement_payment_days: config.settlement.payment_days,
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
  await db.run(`create or replace table cfg_settlement_fees (service_type varchar, fee decimal(18, 2))`);
  for (const [serviceType, fee] of Object.entries(config.settlement.fees_by_service_type)) {
    await db.connection.run(`insert into cfg_settlement_fees values ($1, $2::decimal(18, 2))`, [serviceType, fee]);
  }
}
