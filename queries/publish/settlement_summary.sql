-- HR's summary of a month's settlement as the workbook's second sheet says it, in the pages' two
-- languages: one row per outlet (what HQ pays it and by when), by outlet_id, then the month's total
-- row. n orders the rows of a month and language; row_kind is outlet or total.
-- Inputs: pub_settlement_totals (queries/publish/settlement_totals.sql), pub_settlement_words
--   (settlement_words.sql); macro pub_text.
-- Grain: per language, one row per outlet and month of settlement_totals, and one per month (total).
with languages as (
  select lang from (values ('zh'), ('en')) as languages(lang)
),

tiers as (
  select code, zh, en from pub_settlement_words where kind = 'tier'
),

outlet_rows as (
  select
    totals.month,
    languages.lang,
    0 as section,
    'outlet' as row_kind,
    totals.outlet_id,
    totals.outlet_name,
    coalesce(pub_text(languages.lang, tiers.zh, tiers.en), totals.tier) as tier,
    totals.tickets_settled,
    totals.fees,
    totals.outlet_fines,
    totals.net,
    totals.tickets_withheld,
    totals.withheld_fees,
    totals.payment_due
  from pub_settlement_totals as totals
  cross join languages
  left join tiers
    on tiers.code = totals.tier
),

-- the label in the id column, the outlets counted in the name column
total_rows as (
  select
    month,
    lang,
    1 as section,
    'total' as row_kind,
    pub_text(lang, '合计', 'Total') as outlet_id,
    pub_text(lang, count(*) || ' 个网点', count(*) || case when count(*) = 1 then ' outlet' else ' outlets' end) as outlet_name,
    sum(tickets_settled) as tickets_settled,
    sum(fees) as fees,
    sum(outlet_fines) as outlet_fines,
    sum(net) as net,
    sum(tickets_withheld) as tickets_withheld,
    sum(withheld_fees) as withheld_fees,
    max(payment_due) as payment_due
  from outlet_rows
  group by month, lang
),

summary_rows as (
  select * from outlet_rows
  union all by name
  select * from total_rows
),

final as (
  select
    month,
    lang,
    row_number() over (partition by month, lang order by section, outlet_id) as n,
    row_kind,
    outlet_id,
    outlet_name,
    tier,
    tickets_settled,
    fees,
    outlet_fines,
    net,
    tickets_withheld,
    withheld_fees,
    payment_due
  from summary_rows
)

select * from final
