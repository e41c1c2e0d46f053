-- Why a technician is flagged, as the downloads say it in the pages' two languages: the reason codes
-- of penalty_totals (training_reason, dismissal_reason; dashboard/DATA.md) as text, each code in
-- its order, joined. The pages render the same codes with their own strings (dashboard/src), and
-- the wording of a code is the macro reason_text (queries/publish/macros.sql).
-- A code this file does not know is shown as it is.
-- Inputs: penalty_totals, cfg_penalty_rules; macros pub_text, reason_text (its wording of a code).
-- Grain: one row per technician per month with a flag, per language.
with languages as (
  select lang from (values ('zh'), ('en')) as languages(lang)
),

-- the schedule's names of each rule, one map for the lambdas below (the rules are few)
rule_names as (
  select map_from_entries(list({'key': rule_id, 'value': {'zh': name_zh, 'en': name_en}})) as names
  from cfg_penalty_rules
),

flagged as (
  select
    totals.month,
    totals.technician_id,
    languages.lang,
    rule_names.names,
    string_split(totals.training_reason, ';') as training_codes,
    string_split(totals.dismissal_reason, ';') as dismissal_codes
  from penalty_totals as totals
  cross join languages
  cross join rule_names
  where totals.training_reason is not null
    or totals.dismissal_reason is not null
),

-- each code worded in the row's language, in the codes' order (list_transform keeps it: no unnest,
-- no regrouping of a million flags)
worded as (
  select
    month,
    technician_id,
    lang,
    list_transform(training_codes, code -> reason_text(string_split(code, ':'), code, lang, names)) as training_reasons,
    list_transform(dismissal_codes, code -> reason_text(string_split(code, ':'), code, lang, names)) as dismissal_reasons
  from flagged
),

-- (array_to_string takes a constant separator)
final as (
  select
    month,
    technician_id,
    lang,
    pub_text(lang, array_to_string(training_reasons, '；'), array_to_string(training_reasons, '; ')) as training_text,
    pub_text(lang, array_to_string(dismissal_reasons, '；'), array_to_string(dismissal_reasons, '; ')) as dismissal_text
  from worded
)

select * from final
