-- An outlet over time, as the Outlets page draws it when an outlet is opened: every month of its
-- composite, the four parts, its ranks (overall and within its tier, with how many outlets were
-- ranked), its completed tickets and the repeat and follow-up rates. Only these columns: the file
-- holds every outlet and month, and is read whole by the page (outlets/<month>.json has the rest).
-- Inputs: kpi_outlet_month, stg_outlets. Grain: one row per outlet per month.
with ranked as (
  select
    kpis.*,
    count(kpis.outlet_rank) over (partition by kpis.month) as ranked_outlets,
    count(kpis.tier_rank) over (partition by kpis.month, kpis.tier) as ranked_in_tier
  from kpi_outlet_month as kpis
),

final as (
  select
    ranked.month,
    ranked.outlet_id,
    outlets.name as outlet_name,
    ranked.tier,
    ranked.tickets_completed,
    ranked.revisit_coverage,
    ranked.satisfied_rate,
    ranked.on_time_rate,
    ranked.complaint_rate,
    ranked.composite,
    ranked.outlet_rank,
    ranked.tier_rank,
    ranked.ranked_outlets,
    ranked.ranked_in_tier,
    ranked.repeat_repair_rate,
    ranked.followup_week_rate,
    ranked.followup_month_rate
  from ranked
  left join stg_outlets as outlets
    on outlets.outlet_id = ranked.outlet_id
)

select * from final
