-- HR's monthly totals as the workbook's second sheet says them, in the pages' two languages: one row
-- per technician with the flags as 是/否 (Yes/No) and their reasons, by technician_id, then the
-- month's total row. n orders the rows of a month and language; row_kind is technician or total.
-- Inputs: penalty_totals, stg_technicians, stg_outlets, pub_penalty_reasons (the view of
--   queries/publish/penalty_reasons.sql); macro pub_text.
-- Grain: per language, one row per technician per month with a penalty, and one per month (total).
with languages as (
  select lang from (values ('zh'), ('en')) as languages(lang)
),

technician_rows as (
  select
    totals.month,
    languages.lang,
    0 as section,
    'technician' as row_kind,
    totals.technician_id,
    technicians.name as technician_name,
    totals.outlet_id,
    outlets.name as outlet_name,
    totals.violations,
    totals.violations_ytd,
    totals.amount,
    pub_text(languages.lang, case when totals.training then '是' else '否' end, case when totals.training then 'Yes' else 'No' end) as training,
    reasons.training_text as training_reason,
    pub_text(languages.lang, case when totals.dismissal_review then '是' else '否' end, case when totals.dismissal_review then 'Yes' else 'No' end) as dismissal_review,
    reasons.dismissal_text as dismissal_reason
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

-- the label in the id column; the flags' columns count the technicians flagged
total_rows as (
  select
    month,
    lang,
    1 as section,
    'total' as row_kind,
    pub_text(lang, '合计', 'Total') as technician_id,
    pub_text(lang, count(*) || ' 人', count(*) || case when count(*) = 1 then ' technician' else ' technicians' end) as technician_name,
    sum(violations) as violations,
    sum(amount) as amount,
    pub_text(lang, count(*) filter (where training = '是') || ' 人', (count(*) filter (where training = 'Yes'))::varchar) as training,
    pub_text(lang, count(*) filter (where dismissal_review = '是') || ' 人', (count(*) filter (where dismissal_review = 'Yes'))::varchar) as dismissal_review
  from technician_rows
  group by month, lang
),

summary_rows as (
  select * from technician_rows
  union all by name
  select * from total_rows
),

final as (
  select
    month,
    lang,
    row_number() over (partition by month, lang order by section, technician_id) as n,
    row_kind,
    technician_id,
    technician_name,
    outlet_id,
    outlet_name,
    violations,
    violations_ytd,
    amount,
    training,
    training_reason,
    dismissal_review,
    dismissal_reason
  from summary_rows
)

select * from final
