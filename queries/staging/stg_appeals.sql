-- Appeals of penalty lines as loaded (spec 6.3), as the models see them: without the free-text
-- reason, which no model needs and which is never published.
-- Input: appeal_records. Grain: one row per appeal_id.
with source as (
  select * from appeal_records
),

final as (
  select
    appeal_id,
    line_id,
    submitted_at,
    decision,
    decided_amount,
    decided_at,
    updated_at,
    batch_id,
    source_line
  from source
)

select * from final
