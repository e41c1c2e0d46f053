-- HR's download of a month's statements in the pages' two languages: the rows of the CSV and of the
-- workbook's first sheet. Each technician's block as the printed statement has it (the lines, then a
-- subtotal row with the training and dismissal flags and their reasons), by technician_id, then the
-- month's total row. Cells are what HR reads: names, the rule's description, the evidence ids,
-- 是/否 (Yes/No); amounts stay numbers and times timestamps (the writers format them).
-- n orders the rows of a month and language (the same in both); row_kind is line, subtotal or total.
-- Inputs: penalty_lines, stg_technicians, stg_outlets, pub_penalty_totals (the totals with the
--   names: queries/publish/penalty_totals.sql), pub_penalty_reasons (the reasons of
--   queries/publish/penalty_reasons.sql); macro pub_text.
-- Grain: per language, one row per penalty line, per technician and month (subtotal), per month (total).
with languages as (
  select lang from (values ('zh'), ('en')) as languages(lang)
),

-- the rows and their order are the same in both languages: numbered once, then worded in each
line_rows as (
  select
    lines.month,
    0 as section,
    'line' as row_kind,
    lines.technician_id,
    technicians.name as technician_name,
    lines.outlet_id,
    outlets.name as outlet_name,
    lines.rule_id,
    lines.rule_name_zh,
    lines.rule_name_en,
    lines.amount,
    lines.occurred_at,
    lines.dismissal,
    lines.ticket_id,
    lines.revisit_id,
    lines.complaint_id,
    lines.violation_id
  from penalty_lines as lines
  left join stg_technicians as technicians
    on technicians.technician_id = lines.technician_id
  left join stg_outlets as outlets
    on outlets.outlet_id = lines.outlet_id
),

subtotal_rows as (
  select
    totals.month,
    0 as section,
    'subtotal' as row_kind,
    totals.technician_id,
    totals.technician_name,
    totals.outlet_id,
    totals.outlet_name,
    totals.amount,
    totals.violations,
    totals.training,
    totals.dismissal_review
  from pub_penalty_totals as totals
),

total_rows as (
  select
    month,
    1 as section,
    'total' as row_kind,
    count(*) as technicians,
    sum(violations) as violations,
    -- of the lines' type: a sum is a DECIMAL(38), and then every amount a 128-bit number, slow to print
    sum(amount)::decimal(18, 2) as amount,
    count(*) filter (where training) as trained,
    count(*) filter (where dismissal_review) as reviewed
  from pub_penalty_totals
  group by month
),

statement_rows as (
  select * from line_rows
  union all by name
  select * from subtotal_rows
  union all by name
  select * from total_rows
),

numbered as (
  select
    *,
    row_number() over (
      partition by month
      order by section, technician_id, row_kind = 'subtotal', occurred_at, rule_id, ticket_id, revisit_id, complaint_id, violation_id
    ) as n
  from statement_rows
),

-- the flags as the statement prints them: 停工培训: <reasons>；除名审核: <reasons>
final as (
  select
    numbered.month,
    languages.lang,
    numbered.n,
    numbered.row_kind,
    numbered.technician_id,
    numbered.technician_name,
    numbered.outlet_id,
    numbered.outlet_name,
    numbered.rule_id,
    case numbered.row_kind
      when 'line' then pub_text(languages.lang, numbered.rule_name_zh, numbered.rule_name_en)
      when 'subtotal' then pub_text(languages.lang,
        '小计: ' || numbered.violations || ' 次违规',
        'Subtotal: ' || numbered.violations || case when numbered.violations = 1 then ' violation' else ' violations' end)
      else pub_text(languages.lang,
        '合计: ' || numbered.technicians || ' 人, ' || numbered.violations || ' 次违规',
        'Total: ' || numbered.technicians || case when numbered.technicians = 1 then ' technician, ' else ' technicians, ' end
          || numbered.violations || case when numbered.violations = 1 then ' violation' else ' violations' end)
    end as description,
    numbered.amount,
    case when numbered.row_kind = 'line' then nullif(concat_ws(', ',
      pub_text(languages.lang, '工单 ', 'ticket ') || numbered.ticket_id,
      pub_text(languages.lang, '回访 ', 'revisit ') || numbered.revisit_id,
      pub_text(languages.lang, '投诉 ', 'complaint ') || numbered.complaint_id,
      pub_text(languages.lang, '违规记录 ', 'violation record ') || numbered.violation_id
    ), '') end as evidence,
    numbered.occurred_at,
    case when numbered.row_kind = 'line' then
      pub_text(languages.lang, case when numbered.dismissal then '是' else '否' end, case when numbered.dismissal then 'Yes' else 'No' end)
    end as dismissal_rule,
    case numbered.row_kind
      when 'subtotal' then nullif(concat_ws(pub_text(languages.lang, '；', '; '),
        case when numbered.training then pub_text(languages.lang, '停工培训: ', 'Training: ') || coalesce(reasons.training_text, '') end,
        case when numbered.dismissal_review then pub_text(languages.lang, '除名审核: ', 'Dismissal review: ') || coalesce(reasons.dismissal_text, '') end
      ), '')
      when 'total' then pub_text(languages.lang,
        '停工培训 ' || numbered.trained || ' 人；除名审核 ' || numbered.reviewed || ' 人',
        'Training: ' || numbered.trained || '; dismissal review: ' || numbered.reviewed)
    end as action
  from numbered
  cross join languages
  left join pub_penalty_reasons as reasons
    on reasons.month = numbered.month
    and reasons.technician_id = numbered.technician_id
    and reasons.lang = languages.lang
)

select * from final
