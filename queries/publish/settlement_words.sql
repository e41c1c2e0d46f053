-- The words of the settlement downloads for the codes they print, in the pages' two languages (the
-- dashboard's own labels: dashboard/src/lib/strings.ts): service types, tiers and the reasons a
-- ticket is withheld (queries/publish/settlement_withheld.sql). position orders the service types
-- as the statement lists them.
-- Inputs: none. Grain: one row per kind and code.
with words as (
  select * from (values
    ('service', 'install', 1, '安装', 'Install'),
    ('service', 'repair', 2, '维修', 'Repair'),
    ('service', 'maintenance', 3, '保养', 'Maintenance'),
    ('service', 'consultation', 4, '咨询', 'Consultation'),
    ('tier', 'service_center', 1, '服务中心', 'Service centre'),
    ('tier', 'repair_shop', 2, '专修部', 'Repair shop'),
    ('tier', 'authorized', 3, '特约维修点', 'Authorised'),
    ('withheld', 'no_revisit', 1, '尚无回访', 'No revisit call yet'),
    ('withheld', 'not_reached', 2, '回访未接通', 'Revisit calls did not reach the customer'),
    ('withheld', 'revisit_before_completion', 3, '回访早于完工', 'Revisit calls only before completion')
  ) as words(kind, code, position, zh, en)
),

final as (
  select kind, code, position, zh, en from words
)

select * from final
