// The models of the build, in the order they are made (staging views, then intermediate and mart
// tables), each from its SQL file under queries/, and the rows of each that an incremental build
// rewrites. A new KPI or table: its SQL file, then a line here.

/**
 * The rows of a table that an incremental build rewrites, as a SQL condition that must select
 * exactly the rows the model's SQL file produces in that build:
 * - months: the months being built (build_months)
 * - completion_months: the same for rows placed by completed_at
 * - year_months: those plus the later months of their years (year-to-date totals)
 * - changed_records: records of the changed months, or about a changed ticket
 * - repeat_reach: repairs created in a changed month or in the repeat window after one
 * - orphans: orphans of the changed months, and those whose ticket is now loaded
 * - every_month: the whole table, on every build (small tables that every month feeds)
 * - adjusted_months: adjustments by original_month, of the months built and of those a ticket's
 *   settlement moved from or to (build_adjusted_months)
 */
export type Scope = 'months' | 'completion_months' | 'year_months' | 'changed_records' | 'repeat_reach' | 'orphans' | 'every_month' | 'adjusted_months';

export interface Model {
  name: string;
  file: string;
  materialized: 'view' | 'table';
  scope?: Scope;
  /** a column that identifies a row: given for the large tables, whose unchanged rows an incremental build leaves in place */
  key?: string;
  /**
   * A model that links records of different months: an incremental build makes it first, and the
   * months (these columns) of the rows that moved (added, gone or changed) join the months built.
   */
  links?: string[];
  /**
   * The column of the month a row is published in, when it is not one of the months built (a
   * ticket settled after the month of its completion): the months of the rows that changed are
   * published again, those of the rows' versions from before and after the build.
   */
  publishedMonth?: string;
  /**
   * A full build makes it before its transaction, under a staging name, and moves it into place
   * inside it (index.ts: stageModels): DuckDB scans a table made by the scanning transaction on one
   * thread, so the models after it read it on every core. Only for a model that reads nothing but
   * the stored records and the staging views.
   */
  staged?: boolean;
}

export const MODELS: Model[] = [
  { name: 'stg_tickets', file: 'staging/stg_tickets.sql', materialized: 'view' },
  { name: 'stg_revisits', file: 'staging/stg_revisits.sql', materialized: 'view' },
  { name: 'stg_complaints', file: 'staging/stg_complaints.sql', materialized: 'view' },
  { name: 'stg_violations', file: 'staging/stg_violations.sql', materialized: 'view' },
  { name: 'stg_technicians', file: 'staging/stg_technicians.sql', materialized: 'view' },
  { name: 'stg_outlets', file: 'staging/stg_outlets.sql', materialized: 'view' },
  { name: 'stg_appeals', file: 'staging/stg_appeals.sql', materialized: 'view' },
  // first: the months whose credits or repeats moved join the months to build (see buildIncremental)
  { name: 'int_complaint_credits', file: 'intermediate/int_complaint_credits.sql', materialized: 'table', scope: 'changed_records', links: ['month', 'ticket_month'] },
  { name: 'int_repeat_repairs', file: 'intermediate/int_repeat_repairs.sql', materialized: 'table', scope: 'repeat_reach', links: ['month'] },
  // staged: the largest model, read by most of those after it
  { name: 'int_ticket_outcomes', file: 'intermediate/int_ticket_outcomes.sql', materialized: 'table', scope: 'completion_months', key: 'ticket_id', publishedMonth: 'settlement_month', staged: true },
  { name: 'int_followups', file: 'intermediate/int_followups.sql', materialized: 'table', scope: 'completion_months' },
  { name: 'int_ticket_counts', file: 'intermediate/int_ticket_counts.sql', materialized: 'table', scope: 'months' },
  { name: 'int_month_measures', file: 'intermediate/int_month_measures.sql', materialized: 'table', scope: 'months' },
  { name: 'kpi_technician_month', file: 'marts/kpi_technician_month.sql', materialized: 'table', scope: 'months' },
  { name: 'kpi_outlet_month', file: 'marts/kpi_outlet_month.sql', materialized: 'table', scope: 'months' },
  { name: 'kpi_network_month', file: 'marts/kpi_network_month.sql', materialized: 'table', scope: 'months' },
  // the lines as the current records give them; the contract tables below show them for the open
  // months and the lines frozen by the close for the closed ones (spec 6)
  { name: 'int_penalty_lines', file: 'intermediate/int_penalty_lines.sql', materialized: 'table', scope: 'months' },
  { name: 'int_outlet_penalty_lines', file: 'intermediate/int_outlet_penalty_lines.sql', materialized: 'table', scope: 'months' },
  { name: 'int_settlement_counts', file: 'intermediate/int_settlement_counts.sql', materialized: 'table', scope: 'months' },
  // a view of the outcomes: storing its million rows again cost more than every read of it. The
  // settlement months of the outcomes changed (publishedMonth above) are published again and join
  // the months whose adjustments are worked out again
  { name: 'int_settlement_lines', file: 'intermediate/int_settlement_lines.sql', materialized: 'view' },
  // the tickets withheld, as runs of months that a new month leaves in place: the publish ends the
  // open ones at the last month (queries/publish/settlement_withheld.sql)
  { name: 'int_settlement_withheld', file: 'intermediate/int_settlement_withheld.sql', materialized: 'table', scope: 'completion_months' },
  { name: 'int_appeal_checks', file: 'intermediate/int_appeal_checks.sql', materialized: 'table', scope: 'every_month' },
  { name: 'int_appealed_lines', file: 'intermediate/int_appealed_lines.sql', materialized: 'view' },
  { name: 'penalty_lines', file: 'marts/penalty_lines.sql', materialized: 'view' },
  { name: 'outlet_penalty_lines', file: 'marts/outlet_penalty_lines.sql', materialized: 'table', scope: 'months' },
  { name: 'settlement_lines', file: 'marts/settlement_lines.sql', materialized: 'view' },
  { name: 'int_penalty_adjustments', file: 'intermediate/int_penalty_adjustments.sql', materialized: 'table', scope: 'adjusted_months' },
  { name: 'int_settlement_adjustments', file: 'intermediate/int_settlement_adjustments.sql', materialized: 'table', scope: 'adjusted_months' },
  { name: 'penalty_adjustments', file: 'marts/penalty_adjustments.sql', materialized: 'table', scope: 'every_month', publishedMonth: 'month' },
  { name: 'settlement_adjustments', file: 'marts/settlement_adjustments.sql', materialized: 'table', scope: 'every_month', publishedMonth: 'month' },
  { name: 'appeals', file: 'marts/appeals.sql', materialized: 'table', scope: 'every_month' },
  { name: 'penalty_totals', file: 'marts/penalty_totals.sql', materialized: 'table', scope: 'year_months' },
  { name: 'settlement_totals', file: 'marts/settlement_totals.sql', materialized: 'table', scope: 'every_month', publishedMonth: 'month' },
  { name: 'data_orphans', file: 'marts/data_orphans.sql', materialized: 'table', scope: 'orphans' },
];

const CHANGED_TICKETS = 'select ticket_id from build_changed_tickets';
export const SCOPE_ROWS: Record<Scope, string> = {
  months: 'in_build_months(month)',
  // the same, for ticket rows: their completion time lets the scan skip the blocks of earlier months
  completion_months: 'in_build_reach(completed_at) and in_build_months(month)',
  year_months: 'in_build_year_months(month)',
  changed_records: `in_build_changed_months(month) or ticket_id in (${CHANGED_TICKETS})`,
  repeat_reach: 'in_build_repeat_reach(created_at)',
  orphans: `in_build_changed_months(month_of(event_at)) or ticket_id in (${CHANGED_TICKETS})`,
  every_month: 'true',
  adjusted_months: `getvariable('build_full') or list_contains(getvariable('build_adjusted_months'), original_month)`,
};
