-- The daily worked example with one more row: a copy of minji's reactivation on 2025-01-31
-- dated 2025-02-01.
with expected as (

    select * from {{ ref('worked_example_activation_daily_expected') }}

),

extra_row as (

    select
        cast('2025-02-01' as date) as period_start,
        user_id,
        activation_state,
        previous_state,
        state_transition,
        is_active,
        active_streak,
        periods_since_last_active,
        inactive_periods,
        first_active_period,
        lifetime_active_periods,
        country,
        device_os
    from expected
    where user_id = 'minji' and period_start = cast('2025-01-31' as date)

),

final as (

    select
        period_start,
        user_id,
        activation_state,
        previous_state,
        state_transition,
        is_active,
        active_streak,
        periods_since_last_active,
        inactive_periods,
        first_active_period,
        lifetime_active_periods,
        country,
        device_os
    from expected

    union all

    select * from extra_row

)

select * from final
