-- The benchmark's limit query for activation_summary (src/activation_demo/benchmark_limits.py):
-- activation_summary: counts per period over a spine of every period, then windows.
-- A template: {out}, {models} and the other names in braces are filled by Python.
create or replace table {out} as
with counts as (

    select
        period_start,
        count(*) filter (where is_active) as active_users,
        count(*) filter (where activation_state = 'new') as new_users,
        count(*) filter (where activation_state = 'retained') as retained_users,
        count(*) filter (where activation_state = 'reactivated') as reactivated_users,
        count(*) filter (where activation_state = 'inactive') as churned_users
    from {models}.{activation}
    group by period_start

),

spine as (

    select cast(range as date) as period_start
    from range(
        (select min(period_start) from counts),
        (select max(period_start) + interval 1 {grain} from counts),
        interval 1 {grain}
    )

),

filled as (

    select
        spine.period_start,
        coalesce(counts.active_users, 0) as active_users,
        coalesce(counts.new_users, 0) as new_users,
        coalesce(counts.retained_users, 0) as retained_users,
        coalesce(counts.reactivated_users, 0) as reactivated_users,
        coalesce(counts.churned_users, 0) as churned_users,
        sum(coalesce(counts.new_users, 0)) over (order by spine.period_start)
            - coalesce(counts.active_users, 0) as dormant_users
    from spine
    left join counts
        on spine.period_start = counts.period_start

)

select
    period_start,
    active_users,
    new_users,
    retained_users,
    reactivated_users,
    churned_users,
    dormant_users,
    retained_users / nullif(lag(active_users) over (order by period_start), 0) as retention_rate,
    reactivated_users / nullif(lag(dormant_users) over (order by period_start), 0) as reactivation_rate,
    (new_users + reactivated_users) / nullif(churned_users, 0) as quick_ratio,
    -- the last period is still open (the benchmark sets no as_of)
    period_start < max(period_start) over () as is_period_complete
from filled
