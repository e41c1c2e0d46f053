-- HR's monthly totals as the workbook's second sheet says them, in the pages' two languages: one row
-- per technician with the flags as 是/否 (Yes/No) and their reasons, by technician_id, then the
-- month's total row. n orders the rows of a month and language (the same in both); row_kind is
-- technician or total.
-- Inputs: pub_penalty_totals (the totals with the names: queries/publish/penalty_totals.sql),
--   pub_penalty_reasons (the reasons of queries/publish/penalty_reasons.sql); macro pub_text.
-- Grain: per language, one row per technician per month with a penalty, and one per month (total).
with languages as (
  select lang from (values ('zh'), ('en')) as languages(lang)
),

-- the rows and their order are the same in both languages: numbered once, then worded in each
technician_rows as (
  select
    totals.month,
    0 as section,
    'technician' as row_kind,
    totals.technician_id,
    totals.technician_name,
    totals.outlet_id,
    totals.outlet_name,
    totals.violations,
    totals.violations_ytd::bigint as violations_ytd,
    totals.amount,
    totals.training,
    totals.dismissal_review
  from pub_penalty_totals as totals
),

-- the flags' columns count the technicians flagged
total_rows as (
  select
    month,
    1 as section,
    'total' as row_kind,
    count(*) as technicians,
    -- of the technicians' types: sums are 128-bit numbers, slow to print
    sum(violations)::bigint as violations,
    sum(amount)::decimal(18, 2) as amount,
    count(*) filter (where training) as trained,
    count(*) filter (where dismissal_review) as reviewed
  from technician_rows
  group by month
),

summary_rows as (
  select * from technician_rows
  union all by name
  select * from total_rows
),

numbered as (
  select
    *,
    row_number() over (partition by month order by section, technician_id) as n
  from summary_rows
),

-- the total row has its label in the id column
final as (
  select
    numbered.month,
    languages.lang,
    numbered.n,
    numbered.row_kind,
    case when numbered.row_kind = 'total' then pub_text(languages.lang, '合计', 'Total') else numbered.technician_id end as technician_id,
    case when numbered.row_kind = 'total'
      then pub_text(languages.lang, numbered.technicians || ' 人', numbered.technicians || case when numbered.technicians = 1 then ' technician' else ' technicians' end)
      else numbered.technician_name
    end as technician_name,
    numbered.outlet_id,
    numbered.outlet_name,
    numbered.violations,
    numbered.violations_ytd,
    numbered.amount,
    case when numbered.row_kind = 'total'
      then pub_text(languages.lang, numbered.trained || ' 人', numbered.trained::varchar)
      else pub_text(languages.lang, case when numbered.training then '是' else '否' end, case when numbered.training then 'Yes' else 'No' end)
    end as training,
    reasons.training_text as training_reason,
    case when numbered.row_kind = 'total'
      then pub_text(languages.lang, numbered.reviewed || ' 人', numbered.reviewed::varchar)
      else pub_text(languages.lang, case when numbered.dismissal_review then '是' else '否' end, case when numbered.dismissal_review then 'Yes' else 'No' end)
    end as dismissal_review,
    reasons.dismissal_text as dismissal_reason
  from numbered
  cross join languages
  left join pub_penalty_reasons as reasons
    on reasons.month = numbered.month
    and reasons.technician_id = numbered.technician_id
    and reasons.lang = languages.lang
)

select * from final
