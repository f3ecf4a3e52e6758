-- The benchmark's limit query for activation_states (src/activation_demo/benchmark_limits.py):
-- activation_states: group by user and period, then one window pass per user (lag / lead
-- / row_number) and gaps-and-islands for the streak. A period is numbered (days, weeks or
-- months since an epoch) so that "consecutive" is "number differs by one".
-- {period_start} and {period_number} are the expressions of the grain (PERIOD_START,
-- PERIOD_NUMBER in benchmark_limits.py).
-- A template: {out}, {models} and the other names in braces are filled by Python.
create or replace table {out} as
with activity as (

    select *
    from {models}.{source}
    where user_id is not null and datetime is not null

),

-- one row per user and active period, with the first non-null attribute values
active_periods as (

    select
        user_id,
        {period_start} as period_start{attribute_aggregates}
    from activity
    group by user_id, period_start

),

-- the period of the latest activity
as_of as (

    select max(period_start) as as_of_period
    from active_periods

),

sequenced as (

    select
        *,
        period_number - lag(period_number) over by_user as gap,
        lag(period_number) over by_user - lag(period_number, 2) over by_user as previous_gap,
        lead(period_number) over by_user - period_number as gap_to_next,
        row_number() over by_user as lifetime_active_periods,
        first_value(period_start) over by_user as first_active_period
    from (select *, {period_number} as period_number from active_periods) as numbered
    window by_user as (partition by user_id order by period_number)

),

active_rows as (

    select
        period_start,
        user_id,
        case when gap is null then 'new' when gap = 1 then 'retained' else 'reactivated' end
            as activation_state,
        case
            when gap is null then null
            when gap > 1 then 'inactive'
            when previous_gap is null then 'new'
            when previous_gap = 1 then 'retained'
            else 'reactivated'
        end as previous_state,
        true as is_active,
        -- islands: consecutive periods share period_number - lifetime_active_periods
        row_number() over (
            partition by user_id, period_number - lifetime_active_periods order by period_number
        ) as active_streak,
        gap as periods_since_last_active,
        gap - 1 as inactive_periods,
        first_active_period,
        lifetime_active_periods,
        gap_to_next{attribute_columns}
    from sequenced

),

-- the churn row: the period after an active period that the next one does not follow
churn_rows as (

    select
        cast(active_rows.period_start + interval 1 {grain} as date) as period_start,
        active_rows.user_id,
        'inactive' as activation_state,
        active_rows.activation_state as previous_state,
        false as is_active,
        0 as active_streak,
        1 as periods_since_last_active,
        0 as inactive_periods,
        active_rows.first_active_period,
        active_rows.lifetime_active_periods{null_attributes}
    from active_rows
    inner join as_of
        on active_rows.period_start + interval 1 {grain} <= as_of.as_of_period
    where active_rows.gap_to_next is null or active_rows.gap_to_next > 1

),

all_rows as (

    select * exclude (gap_to_next) from active_rows
    union all
    select * from churn_rows

)

select
    period_start,
    user_id,
    activation_state,
    previous_state,
    coalesce(previous_state, 'none') || '_to_' || activation_state as state_transition,
    is_active,
    active_streak,
    periods_since_last_active,
    inactive_periods,
    first_active_period,
    lifetime_active_periods{attribute_names}
from all_rows
