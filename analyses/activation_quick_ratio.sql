-- Growth quick ratio per period of an activation model: users gained (new + reactivated)
-- per user churned. Above 1 the active base grows; null when no user churned.
-- To reuse: point the ref below at any activation model (daily, weekly or monthly).

with activation as (

    select * from {{ ref('fact_app_visit_activation_weekly') }}

),

period_counts as (

    select
        sum(case when activation_state = 'new' then 1 else 0 end) as new_users,
        sum(case when activation_state = 'reactivated' then 1 else 0 end) as reactivated_users,
        sum(case when activation_state = 'inactive' then 1 else 0 end) as churned_users,
        period_start
    from activation
    group by period_start

),

final as (

    select
        new_users,
        reactivated_users,
        churned_users,
        cast(new_users + reactivated_users as {{ dbt.type_numeric() }})
        / nullif(churned_users, 0) as quick_ratio,
        period_start
    from period_counts

)

select * from final
