// The shapes of the published rows the pages read (see the data contract). Every field may be null
// where the contract says so; pages never assume more.

export interface Measures {
  tickets_completed: number;
  revisit_covered: number;
  revisit_coverage: number | null;
  rated: number;
  satisfied: number;
  neutral: number;
  unsatisfied: number;
  satisfied_rate: number | null;
  neutral_rate: number | null;
  unsatisfied_rate: number | null;
  on_time_judged: number;
  on_time: number;
  on_time_rate: number | null;
  complaints: number;
  complaint_rate: number | null;
  /** repeats (spec 5.2) of this unit's jobs completed in the month, and per completed ticket */
  repeat_repairs: number;
  repeat_repair_rate: number | null;
  /** unsatisfied verdicts of the month's tickets, and their follow-ups (spec 5.3) */
  followup_due: number;
  followup_week: number;
  followup_month: number;
  followup_week_rate: number | null;
  followup_month_rate: number | null;
}

export interface NetworkRow extends Measures {
  month: string;
  composite?: number | null;
}

export interface TechnicianRow extends Measures {
  month: string;
  technician_id: string;
  technician_name?: string | null;
  outlet_id: string | null;
  outlet_name?: string | null;
  tier?: string | null;
  complaint_rank: number | null;
}

export interface OutletRow extends Measures {
  month: string;
  outlet_id: string;
  outlet_name?: string | null;
  tier?: string | null;
  city?: string | null;
  composite: number | null;
  outlet_rank: number | null;
  tier_rank: number | null;
  previous_outlet_rank?: number | null;
  rank_change: number | null;
}

/** outlet_history.json: an outlet's composite, parts, ranks and tickets, every month. */
export interface OutletHistoryRow {
  month: string;
  outlet_id: string;
  outlet_name: string | null;
  tier: string | null;
  tickets_completed: number;
  revisit_coverage: number | null;
  satisfied_rate: number | null;
  on_time_rate: number | null;
  complaint_rate: number | null;
  composite: number | null;
  outlet_rank: number | null;
  tier_rank: number | null;
  ranked_outlets: number;
  ranked_in_tier: number;
  repeat_repair_rate: number | null;
  followup_week_rate: number | null;
  followup_month_rate: number | null;
}

export interface PenaltyTotalRow {
  month: string;
  technician_id: string;
  technician_name?: string | null;
  outlet_id: string | null;
  violations: number;
  amount: number;
  violations_ytd: number;
  training: boolean;
  dismissal_review: boolean;
  /** the adjustments booked into the month (spec 6.2) and amount + adjustments; absent in older runs */
  adjustments?: number;
  amount_due?: number;
}

export interface PenaltyLineRow {
  month: string;
  technician_id: string;
  outlet_id: string | null;
  rule_id: string;
  rule_name_zh?: string | null;
  rule_name_en?: string | null;
  amount: number;
  occurred_at: string | null;
  ticket_id: string | null;
  revisit_id: string | null;
  complaint_id: string | null;
  violation_id: string | null;
  dismissal: boolean;
  /** the line's stable id and the appeal that stands for it (spec 6); amount is after the appeal */
  line_id?: string;
  appeal_id?: string | null;
  appeal_decision?: AppealDecision | null;
  amount_before_appeal?: number | null;
}

export type AppealDecision = 'pending' | 'upheld' | 'waived' | 'reduced';

/** closes.json: a closed month, when and by whom, and the sha256 of its frozen lines. */
export interface CloseRow {
  month: string;
  closed_at: string;
  closed_by: string;
  sha256: string;
}

/** audit/closes.json (HR): a close in full. */
export interface AuditCloseRow extends CloseRow {
  lines: number;
  amount: number;
  adjustments: number;
  amount_due: number;
  outlet_fine_lines: number;
  outlet_fines: number;
  settlement_lines: number;
  settlement_fees: number;
  settlement_adjustments: number;
  hashed_lines: number;
}

export type AdjustmentReason = 'new_line' | 'line_gone' | 'amount_changed' | 'appeal';

/** adjustments/<month>.json: a change of a closed month's penalty line, booked into the month. */
export interface AdjustmentRow {
  month: string;
  original_month: string;
  line_id: string;
  technician_id: string | null;
  technician_name?: string | null;
  outlet_id: string | null;
  rule_id: string | null;
  rule_name_zh?: string | null;
  rule_name_en?: string | null;
  amount: number;
  reason: AdjustmentReason;
}

/** settlement_adjustments/<month>.json: a change of a closed month's outlet fine or settlement line. */
export interface SettlementAdjustmentRow {
  month: string;
  original_month: string;
  line_id: string;
  outlet_id: string | null;
  outlet_name?: string | null;
  rule_id: string | null;
  amount: number;
  net_effect: number;
  reason: AdjustmentReason;
}

/** appeals/<month>.json (HR): an appeal of one of the month's penalty lines; never its reason. */
export interface AppealRow {
  month: string;
  appeal_id: string;
  line_id: string;
  technician_id: string | null;
  outlet_id: string | null;
  rule_id: string | null;
  line_amount: number;
  decision: AppealDecision;
  decided_amount: number | null;
  submitted_at: string;
  decided_at: string | null;
  line_closed: boolean;
  standing: boolean;
}

export interface OutletPenaltyRow {
  month: string;
  outlet_id: string;
  outlet_name?: string | null;
  complaint_id: string | null;
  ticket_id: string | null;
  overcharge: number | null;
  amount: number;
}

export interface RunInput {
  file_name: string;
  kind: string | null;
  encoding: string | null;
  status: string;
  rows_read: number | null;
  rows_loaded: number | null;
  rows_rejected: number | null;
  reason: string | null;
}

export interface RunInfo {
  run_id: string;
  started_at: string | null;
  finished_at: string | null;
  seconds: number | null;
  inputs: RunInput[];
  config?: {
    revisit_window_hours?: number;
    reschedule_notice_minutes?: number;
    grace_minutes?: number;
    technician_min_tickets?: number;
    outlet_min_tickets?: number;
    composite_weights?: { revisit_coverage?: number; satisfied_rate?: number; on_time_rate?: number; complaints?: number };
    complaint_rate_scale?: number;
    outlet_overcharge_multiplier?: number;
    training_violations_per_month?: number;
    training_violations_per_year?: number;
    repeat_window_days?: number;
    followup_week_days?: number;
    followup_month_days?: number;
    penalty_rules?: { rule_id: string; name_zh: string; name_en: string; amount: number; dismissal: boolean; enabled: boolean }[];
  };
}

export interface QualityFile {
  batch_id?: number;
  file_name: string;
  kind: string | null;
  encoding: string | null;
  rows_read: number;
  rows_loaded: number;
  rows_rejected: number;
  loaded_at: string | null;
}

export interface Quality {
  files: QualityFile[];
  reject_reasons: { file: string; reason: string; rows: number }[];
  rejects: { file: string; line: number | null; column: string | null; reason: string; value: string | null }[];
  rejects_truncated: boolean;
  orphans: { revisits?: number; complaints?: number };
  orphan_rows: { kind: string; record_id: string; ticket_id: string | null; event_at: string | null }[];
  skipped_files: { file: string; reason: string | null; seen_at: string | null }[];
  extra_columns: { file: string; column_name: string }[];
}

export interface BacklogRow {
  ticket_id: string;
  outlet_id: string | null;
  technician_id: string | null;
  service_type: string | null;
  completed_at: string | null;
  window_end: string | null;
  hours_since_completion: number | null;
  state: 'open' | 'overdue';
  attempts: number;
  last_attempt_at: string | null;
}

/** A follow-up call of an unsatisfied customer not made: still due, or missed. */
export interface FollowupRow {
  ticket_id: string;
  outlet_id: string | null;
  technician_id: string | null;
  completed_at: string | null;
  verdict_at: string;
  call: 'week' | 'month';
  due_by: string;
  state: 'due' | 'missed';
  calls_made: number;
  last_call_at: string | null;
}

export interface Backlog {
  as_of: string | null;
  total: number;
  by_outlet: { outlet_id: string; outlet_name?: string | null; open: number; overdue: number }[];
  rows: BacklogRow[];
  /** absent in a run published before follow-ups were listed */
  followups?: { total: number; by_state: { call: 'week' | 'month'; state: 'due' | 'missed'; followups: number }[]; rows: FollowupRow[] };
}

/** The twelve months ending at the given one, among the published months. */
export function trailingMonths(months: readonly string[], end: string, count = 12): { start: string; end: string } {
  const upTo = months.filter((m) => m <= end);
  const window = upTo.slice(-count);
  return { start: window[0] ?? end, end };
}

