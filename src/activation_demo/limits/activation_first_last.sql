-- The benchmark's limit query for activation_first_last (src/activation_demo/benchmark_limits.py):
-- activation_first_last: min / max activity per user.
-- A template: {out}, {models} and the other names in braces are filled by Python.
create or replace table {out} as
select
    user_id,
    min(datetime) as first_active_at,
    max(datetime) as last_active_at
from {models}.{source}
where user_id is not null and datetime is not null
group by user_id
