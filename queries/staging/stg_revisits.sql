-- Revisit calls. Input: revisits. Grain: one row per revisit_id.
with source as (
  select * from revisits
),

final as (
  select
    revisit_id,
    ticket_id,
    revisit_at,
    reached,
    result,
    on_time_answer,
    uniform_badge,
    shoe_covers,
    four_nots_ok,
    site_cleaned,
    explained_usage,
    signed_record,
    charged_per_standard,
    reason
  from source
)

select * from final
