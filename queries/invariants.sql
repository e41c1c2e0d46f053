-- Checks that must hold after every run; each row returned is a broken invariant.
-- Inputs: the output tables. Grain: one row per failed check.
with checks as (
  select 'kpi_technician_month: key (month, technician_id) not unique' as failure
  where exists (select 1 from kpi_technician_month group by month, technician_id having count(*) > 1)
  union all
  select 'kpi_outlet_month: key (month, outlet_id) not unique'
  where exists (select 1 from kpi_outlet_month group by month, outlet_id having count(*) > 1)
  union all
  select 'kpi_network_month: key (month) not unique'
  where exists (select 1 from kpi_network_month group by month having count(*) > 1)
  union all
  select 'penalty_totals: key (month, technician_id) not unique'
  where exists (select 1 from penalty_totals group by month, technician_id having count(*) > 1)
  union all
  -- a line is once in a month; one that moved from a closed month to an open one is in both
  select 'penalty_lines: line_id not unique within a month'
  where exists (select 1 from penalty_lines group by month, line_id having count(*) > 1)
     or exists (select 1 from int_penalty_lines group by line_id having count(*) > 1)
  union all
  select 'outlet_penalty_lines: line_id not unique within a month'
  where exists (select 1 from outlet_penalty_lines group by month, line_id having count(*) > 1)
     or exists (select 1 from int_outlet_penalty_lines group by line_id having count(*) > 1)
  union all
  select 'int_repeat_repairs: a repeat (ticket_id) counted more than once'
  where exists (select 1 from int_repeat_repairs group by ticket_id having count(*) > 1)
  union all
  -- settlement_lines is the frozen lines of the closed months beside int_settlement_lines, a view of
  -- int_ticket_outcomes with line_id SETTLE:ticket_id, for the open ones: each part checked where
  -- it is stored (the view's million line ids are not made for it)
  select 'settlement_lines: ticket_id or line_id not unique within a settlement month'
  where exists (select 1 from frozen_settlement_lines group by settlement_month, line_id having count(*) > 1)
     or exists (select 1 from int_ticket_outcomes group by ticket_id having count(*) > 1)
  union all
  -- a ticket's runs of months withheld start each in a month of their own
  select 'int_settlement_withheld: key (ticket_id, withheld_from) not unique'
  where exists (select 1 from int_settlement_withheld group by ticket_id, withheld_from having count(*) > 1)
  union all
  select 'settlement_totals: key (month, outlet_id) not unique'
  where exists (select 1 from settlement_totals group by month, outlet_id having count(*) > 1)
  union all
  select 'tickets: ticket_id not unique'
  where exists (select 1 from tickets group by ticket_id having count(*) > 1)
  union all
  select 'revisits: revisit_id not unique'
  where exists (select 1 from revisits group by revisit_id having count(*) > 1)
  union all
  select 'complaints: complaint_id not unique'
  where exists (select 1 from complaints group by complaint_id having count(*) > 1)
  union all
  select 'violations: violation_id not unique'
  where exists (select 1 from violations group by violation_id having count(*) > 1)
  union all
  select level || ' ' || month || ' ' || coalesce(unit_id, '') || ': a rate outside [0, 1] or satisfied + neutral + unsatisfied <> rated'
  from int_month_measures
  where satisfied + neutral + unsatisfied <> rated
     or revisit_coverage not between 0 and 1
     or satisfied_rate not between 0 and 1
     or neutral_rate not between 0 and 1
     or unsatisfied_rate not between 0 and 1
     or on_time_rate not between 0 and 1
     or complaint_rate < 0
     or revisit_covered > tickets_completed
     or on_time > on_time_judged
  union all
  select level || ' ' || month || ' ' || coalesce(unit_id, '') || ': follow-ups not within 0 <= month <= week <= due = unsatisfied, or a repeat or follow-up rate out of range'
  from int_month_measures
  where followup_due <> unsatisfied
     or followup_week > followup_due
     or followup_month > followup_week
     or followup_month < 0
     or followup_week_rate not between 0 and 1
     or followup_month_rate not between 0 and 1
     or repeat_repair_rate < 0
  union all
  select 'kpi_network_month: repeat_repairs of ' || coalesce(network.month, repeats.month) || ' is not the number of repeats completed then'
  from (select month, repeat_repairs from kpi_network_month where repeat_repairs > 0) as network
  full join (select month, count(*) as repeats from int_repeat_repairs group by month) as repeats
    on repeats.month = network.month
  where network.repeat_repairs is distinct from repeats.repeats
  union all
  -- a waived line adds 0 and counts as no violation; a row of adjustments alone has no line
  select 'penalty_totals do not add up to penalty_lines in ' || coalesce(totals.month, lines.month)
  from (select month, technician_id, sum(violations) as violations, sum(amount) as amount from penalty_totals group by all) as totals
  full join (
    select month, technician_id, count(*) filter (where appeal_decision is distinct from 'waived') as violations, sum(amount) as amount
    from penalty_lines group by all
  ) as lines
    on lines.month = totals.month and lines.technician_id is not distinct from totals.technician_id
  where totals.month is null
     or coalesce(totals.violations, 0) <> coalesce(lines.violations, 0)
     or coalesce(totals.amount, 0) <> coalesce(lines.amount, 0)
  union all
  select 'penalty_totals: amount_due <> amount + adjustments for ' || technician_id || ' in ' || month
  from penalty_totals
  where amount_due is distinct from amount + adjustments
  union all
  select 'penalty_totals: the adjustments of ' || coalesce(totals.month, booked.month) || ' are not those booked in penalty_adjustments'
  from (select month, sum(adjustments) as adjustments from penalty_totals group by month having sum(adjustments) <> 0) as totals
  full join (select month, sum(amount) as amount from penalty_adjustments group by month having sum(amount) <> 0) as booked
    on booked.month = totals.month
  where totals.adjustments is distinct from booked.amount
  union all
  select 'settlement_totals: amount_due <> fees - outlet_fines + adjustments for ' || outlet_id || ' in ' || month
  from settlement_totals
  where amount_due is distinct from fees - outlet_fines + adjustments
     or adjustments is distinct from fee_adjustments - fine_adjustments
  union all
  select 'settlement_totals do not add up to settlement_lines and outlet_penalty_lines for ' || coalesce(totals.outlet_id, lines.outlet_id, fines.outlet_id)
    || ' in ' || coalesce(totals.month, lines.month, fines.month)
  from settlement_totals as totals
  full join (select settlement_month as month, outlet_id, count(*) as tickets, sum(fee) as fees from settlement_lines group by all) as lines
    on lines.month = totals.month and lines.outlet_id = totals.outlet_id
  full join (select month, outlet_id, sum(amount) as amount from outlet_penalty_lines group by all) as fines
    on fines.month = coalesce(totals.month, lines.month) and fines.outlet_id = coalesce(totals.outlet_id, lines.outlet_id)
  where coalesce(totals.tickets_settled, 0) <> coalesce(lines.tickets, 0)
     or coalesce(totals.fees, 0) <> coalesce(lines.fees, 0)
     or coalesce(totals.outlet_fines, 0) <> coalesce(fines.amount, 0)
     or totals.net is distinct from totals.fees - totals.outlet_fines
  union all
  -- every completed ticket of an outlet up to a month is settled by then or withheld at its end (as
  -- the current records give them: open months; a closed month's totals are as they were at its close)
  select 'settlement_totals: settled + withheld <> completed for ' || totals.outlet_id || ' up to ' || totals.month
  from (select * from settlement_totals where month > getvariable('closed_through')) as totals
  asof left join (
    select
      month,
      outlet_id,
      sum(completed) over (partition by outlet_id order by month) as completed_so_far,
      sum(settled) over (partition by outlet_id order by month) as settled_so_far
    from (
      select coalesce(completions.month, settlements.month) as month, coalesce(completions.outlet_id, settlements.outlet_id) as outlet_id,
        coalesce(completions.tickets, 0) as completed, coalesce(settlements.tickets, 0) as settled
      from (select month, outlet_id, sum(tickets_completed) as tickets from int_ticket_counts group by all) as completions
      full join (select settlement_month as month, outlet_id, count(*) as tickets from int_settlement_lines group by all) as settlements
        on settlements.month = completions.month and settlements.outlet_id = completions.outlet_id
    )
  ) as so_far
    on so_far.outlet_id = totals.outlet_id and so_far.month <= totals.month
  where totals.tickets_withheld + coalesce(so_far.settled_so_far, 0) <> coalesce(so_far.completed_so_far, 0)
  union all
  -- the tables rebuilt month by month agree with each other and with the months beside them
  select 'int_ticket_outcomes: ' || coalesce(outcomes.month, network.month) || ' has ' || coalesce(outcomes.tickets, 0)
    || ' completed tickets, kpi_network_month ' || coalesce(network.tickets_completed, 0)
  from (select month, count(*) as tickets from int_ticket_outcomes group by month) as outcomes
  full join (select month, tickets_completed from kpi_network_month where tickets_completed > 0) as network
    on network.month = outcomes.month
  where outcomes.tickets is distinct from network.tickets_completed
  union all
  select 'int_ticket_counts do not add up to kpi_network_month in ' || coalesce(counts.month, network.month)
  from (select month, sum(tickets_completed) as tickets, sum(on_time) as on_time from int_ticket_counts group by month) as counts
  full join (select month, tickets_completed, on_time from kpi_network_month where tickets_completed > 0) as network
    on network.month = counts.month
  where counts.tickets is distinct from network.tickets_completed or counts.on_time is distinct from network.on_time
  union all
  select 'kpi_outlet_month: rank_change of ' || current_month.outlet_id || ' in ' || current_month.month || ' is not the change from the month before'
  from kpi_outlet_month as current_month
  left join kpi_outlet_month as previous_month
    on previous_month.outlet_id = current_month.outlet_id
    and previous_month.month = month_before(current_month.month)
  where current_month.rank_change is distinct from previous_month.outlet_rank - current_month.outlet_rank
  union all
  -- open months count the year's lines as the current records and appeals give them, closed ones too
  select 'penalty_totals: violations_ytd of ' || technician_id || ' in ' || month || ' is not the sum of the year so far'
  from (
    select
      coalesce(totals.month, counted.month) as month,
      coalesce(totals.technician_id, counted.technician_id) as technician_id,
      totals.violations_ytd,
      sum(coalesce(counted.violations, 0)) over (
        partition by coalesce(totals.technician_id, counted.technician_id), left(coalesce(totals.month, counted.month), 4)
        order by coalesce(totals.month, counted.month)
      ) as year_so_far
    from (select * from penalty_totals where month > getvariable('closed_through')) as totals
    full join (
      select month, technician_id, count(*) filter (where appeal_decision is distinct from 'waived') as violations
      from int_appealed_lines group by all
    ) as counted
      on counted.month = totals.month and counted.technician_id is not distinct from totals.technician_id
  )
  where violations_ytd is not null and violations_ytd <> year_so_far
  union all
  -- a closed month's frozen amount and every adjustment booked from it add up to what its lines are now
  select 'closed month ' || month || ': frozen ' || kind || ' ' || frozen || ' + adjustments ' || adjusted || ' <> ' || now || ' now'
  from (
    select month, kind, sum(frozen) as frozen, sum(adjusted) as adjusted, sum(now) as now
    from (
      select month, 'penalty_lines' as kind, amount as frozen, 0 as adjusted, 0 as now from frozen_penalty_lines
      union all select original_month, 'penalty_lines', 0, amount, 0 from penalty_adjustments
      union all select month, 'penalty_lines', 0, 0, amount from int_appealed_lines where month <= getvariable('closed_through')
      union all select month, 'outlet_penalty_lines', amount, 0, 0 from frozen_outlet_penalty_lines
      union all select original_month, 'outlet_penalty_lines', 0, amount, 0 from settlement_adjustments where rule_id = 'OUTLET_OVERCHARGE'
      union all select month, 'outlet_penalty_lines', 0, 0, amount from int_outlet_penalty_lines where month <= getvariable('closed_through')
      union all select settlement_month, 'settlement_lines', fee, 0, 0 from frozen_settlement_lines
      union all select original_month, 'settlement_lines', 0, amount, 0 from settlement_adjustments where rule_id = 'SETTLE'
      -- (no month closed: not one line read)
      union all select settlement_month, 'settlement_lines', 0, 0, fee from int_settlement_lines
        where getvariable('closed_through') <> '' and settlement_month <= getvariable('closed_through')
    )
    group by all
  )
  where frozen + adjusted <> now
  union all
  select 'month_closes: a month closed twice'
  where exists (select 1 from month_closes group by month having count(*) > 1)
  union all
  select 'adjustments booked into an open month other than the first: ' || month
  from (select month from int_penalty_adjustments union select month from int_settlement_adjustments)
  where month is distinct from getvariable('adjustment_month')
  union all
  select 'appeals: appeal_id not unique, or more than one appeal standing for ' || coalesce(line_id, 'a line')
  from (
    select line_id from appeals where standing group by line_id having count(*) > 1
    union all
    select null from appeals group by appeal_id having count(*) > 1
  )
  union all
  select 'load_batches: ' || file_name || ' read ' || rows_read || ' <> loaded ' || rows_loaded || ' + rejected ' || rows_rejected
  from load_batches
  where rows_read <> rows_loaded + rows_rejected
  union all
  select 'load_rejects: ' || batches.file_name || ' has ' || count(rejects.batch_id) || ' reject rows for ' || batches.rows_rejected || ' rejected'
  from load_batches as batches
  left join load_rejects as rejects
    on rejects.batch_id = batches.batch_id
  group by batches.batch_id, batches.file_name, batches.rows_rejected
  having count(rejects.batch_id) <> batches.rows_rejected
),

final as (
  select failure from checks
)

select * from final
