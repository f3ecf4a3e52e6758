-- The daily worked example with one row twice: minji's reactivation on 2025-01-31.
with expected as (

    select * from {{ ref('worked_example_activation_daily_expected') }}

),

final as (

    select * from expected

    union all

    select *
    from expected
    where user_id = 'minji' and period_start = cast('2025-01-31' as date)

)

select * from final
