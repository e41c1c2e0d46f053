-- Every stored appeal (spec 6.3) checked against the penalty line it names, and which appeal stands
-- for each line. The line is the one the current records give (int_penalty_lines), or, when they
-- give it no more, the latest frozen one of a closed month. An appeal naming no such line is
-- rejected (unknown_line), and so is a reduced amount not below the line's amount before appeals
-- (amount_out_of_range; below 0 the load rejects it already). These rejects are the build's: they
-- come and go with the lines (an appeal that arrives before its line's ticket counts once the ticket
-- is loaded), and the build keeps them in load_rejects, with the appeal's file and line
-- (pipeline/build/appeal-rejects.ts).
-- Of the valid appeals of a line, the one decided last stands (decided_at, then submitted_at, then
-- the larger appeal_id; an appeal not decided yet comes before every decided one).
-- Inputs: stg_appeals, int_penalty_lines, frozen_penalty_lines; variable closed_through.
-- Grain: one row per stored appeal.
-- Scope: every build, the whole table (one row per appeal: small).
with appeals as (
  select * from stg_appeals
),

recomputed_lines as (
  select
    lines.line_id,
    lines.month,
    lines.technician_id,
    lines.outlet_id,
    lines.rule_id,
    lines.amount
  from int_penalty_lines as lines
  semi join appeals
    on appeals.line_id = lines.line_id
),

-- a line the records no longer give: its latest frozen copy
frozen_lines as (
  select
    frozen.line_id,
    arg_max(frozen.month, frozen.month) as month,
    arg_max(frozen.technician_id, frozen.month) as technician_id,
    arg_max(frozen.outlet_id, frozen.month) as outlet_id,
    arg_max(frozen.rule_id, frozen.month) as rule_id,
    arg_max(frozen.amount_before_appeal, frozen.month) as amount
  from frozen_penalty_lines as frozen
  semi join appeals
    on appeals.line_id = frozen.line_id
  group by frozen.line_id
),

appealed as (
  select
    appeals.*,
    coalesce(recomputed.month, frozen.month) as line_month,
    coalesce(recomputed.technician_id, frozen.technician_id) as technician_id,
    coalesce(recomputed.outlet_id, frozen.outlet_id) as outlet_id,
    coalesce(recomputed.rule_id, frozen.rule_id) as rule_id,
    coalesce(recomputed.amount, frozen.amount) as line_amount,
    recomputed.line_id is not null or frozen.line_id is not null as line_known
  from appeals
  left join recomputed_lines as recomputed
    on recomputed.line_id = appeals.line_id
  left join frozen_lines as frozen
    on frozen.line_id = appeals.line_id
),

checked as (
  select
    *,
    case
      when not line_known then 'unknown_line'
      when decision = 'reduced' and decided_amount >= line_amount then 'amount_out_of_range'
    end as problem
  from appealed
),

final as (
  select
    appeal_id,
    line_id,
    submitted_at,
    decision,
    decided_amount,
    decided_at,
    updated_at,
    batch_id,
    source_line,
    line_month,
    technician_id,
    outlet_id,
    rule_id,
    line_amount,
    line_month <= getvariable('closed_through') as line_closed,
    problem,
    case problem when 'unknown_line' then 'line_id' when 'amount_out_of_range' then 'decided_amount' end as problem_column,
    case problem when 'unknown_line' then line_id when 'amount_out_of_range' then decided_amount::varchar end as problem_value,
    problem is null and row_number() over (
      partition by line_id, problem is null
      order by decided_at desc nulls last, submitted_at desc, appeal_id desc
    ) = 1 as standing
  from checked
)

select * from final
