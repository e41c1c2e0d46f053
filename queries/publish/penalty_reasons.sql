-- Why a technician is flagged, as the downloads say it in the pages' two languages: the reason codes
-- of penalty_totals (training_reason, dismissal_reason; dashboard/DATA.md) as text, each code in
-- its order, joined. The pages render the same codes with their own strings (dashboard/src).
-- A code this file does not know is shown as it is.
-- Inputs: penalty_totals, cfg_penalty_rules; macros pub_text, reason_field.
-- Grain: one row per technician per month with a flag, per language.
with languages as (
  select lang from (values ('zh'), ('en')) as languages(lang)
),

flag_codes as (
  select month, technician_id, 'training' as flag, string_split(training_reason, ';') as codes
  from penalty_totals
  where training_reason is not null
  union all
  select month, technician_id, 'dismissal' as flag, string_split(dismissal_reason, ';') as codes
  from penalty_totals
  where dismissal_reason is not null
),

codes as (
  select
    month,
    technician_id,
    flag,
    unnest(codes) as code,
    unnest(generate_series(1, len(codes))) as position
  from flag_codes
),

parts as (
  select
    codes.*,
    string_split(code, ':') as part
  from codes
),

-- rule:<rule_id>:<amount>[:<evidence kind>:<id>], with the rule's names from the schedule
rule_parts as (
  select
    parts.*,
    reason_field(parts.part[2]) as rule_id,
    parts.part[3] as amount,
    parts.part[4] as evidence_kind,
    reason_field(parts.part[5]) as evidence_id,
    coalesce(rules.name_zh, reason_field(parts.part[2])) as rule_name_zh,
    coalesce(rules.name_en, reason_field(parts.part[2])) as rule_name_en
  from parts
  left join cfg_penalty_rules as rules
    -- an equality alone, so that the join is a hash join and not a nested loop
    on rules.rule_id = case when parts.part[1] = 'rule' then reason_field(parts.part[2]) end
),

rendered as (
  select
    rule_parts.month,
    rule_parts.technician_id,
    rule_parts.flag,
    rule_parts.position,
    languages.lang,
    case rule_parts.part[1]
      when 'month' then pub_text(languages.lang,
        '本月违规 ' || rule_parts.part[2] || ' 次',
        rule_parts.part[2] || case when rule_parts.part[2] = '1' then ' violation' else ' violations' end || ' this month')
      when 'ytd' then pub_text(languages.lang,
        '本年累计违规 ' || rule_parts.part[2] || ' 次 (' || rule_parts.part[3] || ' 达到)',
        rule_parts.part[2] || ' violations this year (threshold reached in ' || rule_parts.part[3] || ')')
      when 'after_training' then pub_text(languages.lang,
        '培训后再犯 (' || rule_parts.part[2] || ' 停工培训)',
        'violation after training (trained in ' || rule_parts.part[2] || ')')
      when 'top_complaint_rate' then pub_text(languages.lang,
        '投诉率连续' || case when rule_parts.part[2] = '2' then '两' else rule_parts.part[2] end || '月第一',
        'highest complaint rate ' || case when rule_parts.part[2] = '2' then 'two' else rule_parts.part[2] end || ' months running')
      when 'rule' then pub_text(languages.lang,
        rule_parts.rule_name_zh || ' ' || rule_parts.amount || ' 元',
        rule_parts.rule_name_en || ' ¥' || rule_parts.amount)
        || case when rule_parts.evidence_id is not null then ', ' || pub_text(languages.lang,
          case rule_parts.evidence_kind when 'ticket' then '工单' when 'violation' then '违规记录' when 'complaint' then '投诉' when 'revisit' then '回访' else rule_parts.evidence_kind end,
          case rule_parts.evidence_kind when 'violation' then 'violation record' else rule_parts.evidence_kind end
        ) || ' ' || rule_parts.evidence_id else '' end
      else rule_parts.code
    end as reason
  from rule_parts
  cross join languages
),

-- each flag's reasons in their order: a list of (position, reason) sorted, as list(… order by
-- position) would give it without a sort per technician (that cost half a second a year of months)
reason_lists as (
  select
    month,
    technician_id,
    lang,
    list_transform(list_sort(list({'position': position, 'reason': reason}) filter (where flag = 'training')), item -> item.reason) as training_reasons,
    list_transform(list_sort(list({'position': position, 'reason': reason}) filter (where flag = 'dismissal')), item -> item.reason) as dismissal_reasons
  from rendered
  group by month, technician_id, lang
),

-- (array_to_string takes a constant separator)
final as (
  select
    month,
    technician_id,
    lang,
    pub_text(lang, array_to_string(training_reasons, '；'), array_to_string(training_reasons, '; ')) as training_text,
    pub_text(lang, array_to_string(dismissal_reasons, '；'), array_to_string(dismissal_reasons, '; ')) as dismissal_text
  from reason_lists
)

select * from final
