-- The outlets' settlement statements of a month as the downloads print them, in the pages' two
-- languages: the rows of the CSV and of the workbook's first sheet. Each outlet's block (by
-- outlet_id): the tickets settled and their fees by service type, each fine deducted (a negative
-- amount), the tickets withheld at the month's end: those completed in earlier months one row per
-- completion month (carried over: how many, their fees), those completed in the month each with why
-- (its fee in the withheld column, not paid), then the outlet's total row (tickets settled, net =
-- fees − fines, withheld fees, payment due); HR's file ends with the month's total row (outlet_id
-- null). In an outlet's block the amounts sum to its net, the withheld fees to its withheld fees,
-- and the withheld rows (one ticket each, or the tickets of a carried-over row) to its tickets
-- withheld.
-- n orders the rows of a month and language (HR's file), outlet_n those of one outlet (its own file);
-- row_kind is settled, fine, carried_over, withheld, outlet_total or total.
-- Inputs: pub_settlement_withheld (queries/publish/settlement_withheld.sql), pub_settlement_totals
--   (settlement_totals.sql: its settled_by_service and withheld_by_completion_month),
--   outlet_penalty_lines, pub_settlement_words (settlement_words.sql); macros pub_text, month_of.
-- Grain: per language, one row per outlet, month and service type settled, per fine, per outlet,
--   month and earlier completion month with tickets withheld, per ticket completed in the month and
--   withheld at its end, per outlet and month (outlet_total), per month (total).
with languages as (
  select lang from (values ('zh'), ('en')) as languages(lang)
),

services as (
  select code, position, zh, en from pub_settlement_words where kind = 'service'
),

reasons as (
  select code, zh, en from pub_settlement_words where kind = 'withheld'
),

-- the outlet's settled_by_service (settlement_totals.sql)
settled_rows as (
  select
    totals.month,
    languages.lang,
    totals.outlet_id,
    1 as block,
    'settled' as row_kind,
    pub_text(languages.lang, '结算', 'Settled') as item,
    coalesce(services.position, 9) as position,
    coalesce(pub_text(languages.lang, services.zh, services.en), settled.service_type) as service,
    settled.tickets,
    settled.fees as amount
  from pub_settlement_totals as totals
  cross join unnest(totals.settled_by_service) as settled_by_service(settled)
  cross join languages
  left join services
    on services.code = settled.service_type
),

fine_rows as (
  select
    fines.month,
    languages.lang,
    fines.outlet_id,
    2 as block,
    'fine' as row_kind,
    pub_text(languages.lang, '罚款扣除', 'Fine deducted') as item,
    fines.ticket_id,
    pub_text(languages.lang,
      '乱收费投诉 ' || coalesce(fines.complaint_id, '—') || '，多收 ' || fines.overcharge || ' 元',
      'overcharge complaint ' || coalesce(fines.complaint_id, '—') || ', overcharged ¥' || fines.overcharge) as description,
    -fines.amount as amount
  from outlet_penalty_lines as fines
  cross join languages
),

-- the tickets completed in earlier months and still withheld: how many of each completion month
carried_rows as (
  select
    totals.month,
    languages.lang,
    totals.outlet_id,
    3 as block,
    0 as position,
    withheld.completion_month,
    'carried_over' as row_kind,
    pub_text(languages.lang, '暂扣结转', 'Withheld, carried over') as item,
    pub_text(languages.lang,
      withheld.completion_month || ' 完工，本月末仍暂扣',
      'completed in ' || withheld.completion_month || ', still withheld at the month''s end') as description,
    withheld.tickets,
    withheld.fees as withheld_fee
  from pub_settlement_totals as totals
  cross join unnest(totals.withheld_by_completion_month) as by_completion_month(withheld)
  cross join languages
  where withheld.completion_month < totals.month
),

-- the tickets completed in the month and withheld at its end: the first run of each
withheld_rows as (
  select
    runs.withheld_from as month,
    languages.lang,
    runs.outlet_id,
    3 as block,
    1 as position,
    'withheld' as row_kind,
    pub_text(languages.lang, '暂扣', 'Withheld') as item,
    coalesce(pub_text(languages.lang, services.zh, services.en), runs.service_type) as service,
    runs.ticket_id,
    runs.technician_id,
    runs.technician_name,
    runs.completed_at,
    coalesce(pub_text(languages.lang, reasons.zh, reasons.en), runs.withheld_reason) || case
      when runs.calls > 0 then pub_text(languages.lang,
        '（回访 ' || runs.calls || ' 次，最近 ' || runs.last_call_id || ' ' || strftime(runs.last_call_at, '%Y-%m-%d %H:%M') || '）',
        ' (' || runs.calls || case when runs.calls = 1 then ' call' else ' calls' end || ', last ' || runs.last_call_id || ' at ' || strftime(runs.last_call_at, '%Y-%m-%d %H:%M') || ')')
      else ''
    end as description,
    runs.fee as withheld_fee
  from pub_settlement_withheld as runs
  cross join languages
  left join services
    on services.code = runs.service_type
  left join reasons
    on reasons.code = runs.withheld_reason
  where runs.withheld_from = month_of(runs.completed_at)
),

outlet_total_rows as (
  select
    totals.month,
    languages.lang,
    totals.outlet_id,
    4 as block,
    'outlet_total' as row_kind,
    pub_text(languages.lang, '网点合计', 'Outlet total') as item,
    pub_text(languages.lang,
      '结算 ' || totals.tickets_settled || ' 张，罚款 ' || coalesce(fines.fines, 0) || ' 笔，暂扣 ' || totals.tickets_withheld || ' 张',
      'settled ' || totals.tickets_settled || ', fines ' || coalesce(fines.fines, 0) || ', withheld ' || totals.tickets_withheld) as description,
    totals.tickets_settled as tickets,
    totals.net as amount,
    totals.withheld_fees as withheld_fee,
    totals.payment_due
  from pub_settlement_totals as totals
  cross join languages
  left join (select month, outlet_id, count(*) as fines from outlet_penalty_lines group by all) as fines
    on fines.month = totals.month
    and fines.outlet_id = totals.outlet_id
),

outlet_rows as (
  select * from settled_rows
  union all by name
  select * from fine_rows
  union all by name
  select * from carried_rows
  union all by name
  select * from withheld_rows
  union all by name
  select * from outlet_total_rows
),

-- the outlet's name on every row of its block
named_rows as (
  select
    outlet_rows.*,
    totals.outlet_name
  from outlet_rows
  left join pub_settlement_totals as totals
    on totals.month = outlet_rows.month
    and totals.outlet_id = outlet_rows.outlet_id
),

total_rows as (
  select
    month,
    lang,
    9 as block,
    'total' as row_kind,
    pub_text(lang, '合计', 'Total') as item,
    pub_text(lang, count(*) || ' 个网点', count(*) || case when count(*) = 1 then ' outlet' else ' outlets' end) as outlet_name,
    pub_text(lang,
      '结算 ' || sum(tickets) || ' 张，暂扣 ' || sum(tickets_withheld) || ' 张',
      'settled ' || sum(tickets) || ', withheld ' || sum(tickets_withheld)) as description,
    sum(tickets) as tickets,
    sum(amount) as amount,
    sum(withheld_fee) as withheld_fee,
    max(payment_due) as payment_due
  from (
    select totals.month, languages.lang, totals.tickets_settled as tickets, totals.tickets_withheld, totals.net as amount, totals.withheld_fees as withheld_fee, totals.payment_due
    from pub_settlement_totals as totals
    cross join languages
  )
  group by month, lang
),

statement_rows as (
  select * from named_rows
  union all by name
  select * from total_rows
),

final as (
  select
    month,
    lang,
    row_number() over (
      partition by month, lang
      order by block = 9, outlet_id, block, position, completion_month, completed_at, ticket_id
    ) as n,
    row_number() over (
      partition by month, lang, outlet_id
      order by block, position, completion_month, completed_at, ticket_id
    ) as outlet_n,
    row_kind,
    outlet_id,
    outlet_name,
    item,
    service,
    ticket_id,
    technician_id,
    technician_name,
    completed_at,
    description,
    tickets,
    amount,
    withheld_fee,
    payment_due
  from statement_rows
)

select * from final
