-- Repeat repairs (返修, spec 5.2): a completed repair B is a repeat of the completed ticket A of the
-- same product (product key) with the latest completed_at before B was created, when B was created
-- at most repeat_window_days after A's completion (ties on completed_at: the larger ticket_id). A may
-- be of any service type; B counts once, against A only, and never against itself. The repeat is
-- credited to A's technician and outlet in B's completion month.
-- Inputs: stg_tickets; variable repeat_window_days.
-- Grain: one row per repeat: ticket_id = B, related_ticket_id = A, month = B's completion month,
--   technician_id and outlet_id = A's, created_at = B's.
-- Scope: repairs created in a changed month or in the repeat window after one
--   (in_build_repeat_reach(created_at)): a changed ticket can change only their links, as a repair
--   or as the job before one. The build compares the links with those before and rebuilds the
--   months of the links that moved.
-- (not materialized: each use reads what it needs, where a materialized table would hold every job)
with jobs as not materialized (
  select
    ticket_id,
    product_key,
    completed_at,
    technician_id,
    outlet_id
  from stg_tickets
  where status = 'completed'
    and completed_at is not null
    and product_key is not null
    -- a job completed more than the window before the earliest repair rebuilt links to none of them
    and in_build_reach_from(completed_at, days_interval(getvariable('repeat_window_days')))
),

repairs as not materialized (
  select
    ticket_id,
    product_key_kind,
    product_key,
    created_at,
    completed_at,
    completion_month
  from stg_tickets
  where status = 'completed'
    and service_type = 'repair'
    and completed_at is not null
    and product_key is not null
    and in_build_repeat_reach(created_at)
),

-- the latest job completed before each repair was created, in the order (completed_at, ticket_id):
-- ties go to the larger ticket_id, and '' (before every id) makes the bound strict. A repair
-- completed no earlier than it was created cannot be its own job before. The key alone is compared:
-- a phone key holds chr(31), which no serial can (the load rejects control characters).
latest_jobs as (
  select
    repairs.ticket_id,
    repairs.product_key_kind,
    repairs.created_at,
    repairs.completion_month,
    jobs.ticket_id as related_ticket_id,
    jobs.completed_at as related_completed_at,
    jobs.technician_id,
    jobs.outlet_id
  from repairs
  asof left join jobs
    on jobs.product_key = repairs.product_key
    and {'at': repairs.created_at, 'id': ''} > {'at': jobs.completed_at, 'id': jobs.ticket_id}
  where repairs.completed_at >= repairs.created_at
),

-- a repair recorded as completed before it was created (an export's error) would otherwise find
-- itself: the few such repairs look for their job among the other jobs of their products (none: the
-- lookup stops at once)
backdated_repairs as (
  select *
  from repairs
  where repairs.completed_at < repairs.created_at
),

backdated_products_jobs as (
  select jobs.*
  from jobs
  semi join backdated_repairs as backdated
    on backdated.product_key = jobs.product_key
),

backdated_jobs as (
  select
    backdated.ticket_id,
    backdated.product_key_kind,
    backdated.created_at,
    backdated.completion_month,
    arg_max(jobs.ticket_id, {'at': jobs.completed_at, 'id': jobs.ticket_id}) as related_ticket_id,
    max(jobs.completed_at) as related_completed_at,
    arg_max(jobs.technician_id, {'at': jobs.completed_at, 'id': jobs.ticket_id}) as technician_id,
    arg_max(jobs.outlet_id, {'at': jobs.completed_at, 'id': jobs.ticket_id}) as outlet_id
  from backdated_repairs as backdated
  join backdated_products_jobs as jobs
    on jobs.product_key = backdated.product_key
    and jobs.completed_at < backdated.created_at
    and jobs.ticket_id <> backdated.ticket_id
  group by backdated.ticket_id, backdated.product_key_kind, backdated.created_at, backdated.completion_month
),

nearest_jobs as (
  select * from latest_jobs
  union all
  select * from backdated_jobs
),

final as (
  select
    ticket_id,
    completion_month as month,
    created_at,
    product_key_kind as key_kind,
    related_ticket_id,
    related_completed_at,
    technician_id,
    outlet_id
  from nearest_jobs
  where related_ticket_id is not null
    and created_at <= related_completed_at + days_interval(getvariable('repeat_window_days'))
)

select * from final
