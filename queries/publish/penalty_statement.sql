-- HR's download of a month's statements in the pages' two languages: the rows of the CSV and of the
-- workbook's first sheet. Each technician's block as the printed statement has it (the lines, then a
-- subtotal row with the training and dismissal flags and their reasons), by technician_id, then the
-- month's total row. Cells are what HR reads: names, the rule's description, the evidence ids,
-- 是/否 (Yes/No); amounts stay numbers and times timestamps (the writers format them).
-- n orders the rows of a month and language; row_kind is line, subtotal or total.
-- Inputs: penalty_lines, penalty_totals, stg_technicians, stg_outlets, pub_penalty_reasons (the
--   view of queries/publish/penalty_reasons.sql); macro pub_text.
-- Grain: per language, one row per penalty line, per technician and month (subtotal), per month (total).
with languages as (
  select lang from (values ('zh'), ('en')) as languages(lang)
),

line_rows as (
  select
    lines.month,
    languages.lang,
    0 as section,
    'line' as row_kind,
    lines.technician_id,
    technicians.name as technician_name,
    lines.outlet_id,
    outlets.name as outlet_name,
    lines.rule_id,
    pub_text(languages.lang, lines.rule_name_zh, lines.rule_name_en) as description,
    lines.amount,
    nullif(concat_ws(', ',
      pub_text(languages.lang, '工单 ', 'ticket ') || lines.ticket_id,
      pub_text(languages.lang, '回访 ', 'revisit ') || lines.revisit_id,
      pub_text(languages.lang, '投诉 ', 'complaint ') || lines.complaint_id,
      pub_text(languages.lang, '违规记录 ', 'violation record ') || lines.violation_id
    ), '') as evidence,
    lines.occurred_at,
    pub_text(languages.lang, case when lines.dismissal then '是' else '否' end, case when lines.dismissal then 'Yes' else 'No' end) as dismissal_rule,
    null::varchar as action,
    lines.ticket_id,
    lines.revisit_id,
    lines.complaint_id,
    lines.violation_id
  from penalty_lines as lines
  cross join languages
  left join stg_technicians as technicians
    on technicians.technician_id = lines.technician_id
  left join stg_outlets as outlets
    on outlets.outlet_id = lines.outlet_id
),

-- the flags as the statement prints them: 停工培训: <reasons>；除名审核: <reasons>
subtotal_rows as (
  select
    totals.month,
    languages.lang,
    0 as section,
    'subtotal' as row_kind,
    totals.technician_id,
    technicians.name as technician_name,
    totals.outlet_id,
    outlets.name as outlet_name,
    null::varchar as rule_id,
    pub_text(languages.lang,
      '小计: ' || totals.violations || ' 次违规',
      'Subtotal: ' || totals.violations || case when totals.violations = 1 then ' violation' else ' violations' end) as description,
    totals.amount,
    null::varchar as evidence,
    null::timestamp as occurred_at,
    null::varchar as dismissal_rule,
    nullif(concat_ws(pub_text(languages.lang, '；', '; '),
      case when totals.training then pub_text(languages.lang, '停工培训: ', 'Training: ') || coalesce(reasons.training_text, '') end,
      case when totals.dismissal_review then pub_text(languages.lang, '除名审核: ', 'Dismissal review: ') || coalesce(reasons.dismissal_text, '') end
    ), '') as action
  from penalty_totals as totals
  cross join languages
  left join pub_penalty_reasons as reasons
    on reasons.month = totals.month
    and reasons.technician_id = totals.technician_id
    and reasons.lang = languages.lang
  left join stg_technicians as technicians
    on technicians.technician_id = totals.technician_id
  left join stg_outlets as outlets
    on outlets.outlet_id = totals.outlet_id
),

total_rows as (
  select
    totals.month,
    languages.lang,
    1 as section,
    'total' as row_kind,
    pub_text(languages.lang,
      '合计: ' || count(*) || ' 人, ' || sum(totals.violations) || ' 次违规',
      'Total: ' || count(*) || case when count(*) = 1 then ' technician, ' else ' technicians, ' end
        || sum(totals.violations) || case when sum(totals.violations) = 1 then ' violation' else ' violations' end) as description,
    sum(totals.amount) as amount,
    pub_text(languages.lang,
      '停工培训 ' || count(*) filter (where totals.training) || ' 人；除名审核 ' || count(*) filter (where totals.dismissal_review) || ' 人',
      'Training: ' || count(*) filter (where totals.training) || '; dismissal review: ' || count(*) filter (where totals.dismissal_review)) as action
  from penalty_totals as totals
  cross join languages
  group by totals.month, languages.lang
),

statement_rows as (
  select * from line_rows
  union all by name
  select * from subtotal_rows
  union all by name
  select * from total_rows
),

final as (
  select
    month,
    lang,
    row_number() over (
      partition by month, lang
      order by section, technician_id, row_kind = 'subtotal', occurred_at, rule_id, ticket_id, revisit_id, complaint_id, violation_id
    ) as n,
    row_kind,
    technician_id,
    technician_name,
    outlet_id,
    outlet_name,
    rule_id,
    description,
    amount,
    evidence,
    occurred_at,
    dismissal_rule,
    action
  from statement_rows
)

select * from final
