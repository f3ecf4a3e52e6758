-- The daily worked example with one value changed: jinseok's streak on 2025-01-07 is 3, not 2.
with expected as (

    select * from {{ ref('worked_example_activation_daily_expected') }}

),

final as (

    select
        period_start,
        user_id,
        activation_state,
        previous_state,
        state_transition,
        is_active,
        case
            when user_id = 'jinseok' and period_start = cast('2025-01-07' as date) then 3
            else active_streak
        end as active_streak,
        periods_since_last_active,
        inactive_periods,
        first_active_period,
        lifetime_active_periods,
        country,
        device_os
    from expected

)

select * from final
