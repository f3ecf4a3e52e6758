-- Growth accounting per period of an activation model: new, retained, reactivated and
-- churned users (churned as a negative number, for a stacked bar chart), the active
-- users and the net change in active users from the previous period. Every user active
-- in one period is retained or churned in the next, so retained + |churned| = the
-- previous period's active users and net_change = new + reactivated - |churned|.
-- To reuse: point the ref below at any activation model (daily, weekly or monthly).

with activation as (

    select * from {{ ref('fact_app_visit_activation_weekly') }}

),

period_counts as (

    select
        sum(case when activation_state = 'new' then 1 else 0 end) as new_users,
        sum(case when activation_state = 'retained' then 1 else 0 end) as retained_users,
        sum(case when activation_state = 'reactivated' then 1 else 0 end) as reactivated_users,
        sum(case when activation_state = 'inactive' then 1 else 0 end) as churned_users,
        period_start
    from activation
    group by period_start

),

final as (

    select
        new_users,
        retained_users,
        reactivated_users,
        -1 * churned_users as churned_users,
        new_users + retained_users + reactivated_users as active_users,
        new_users + reactivated_users - churned_users as net_change,
        period_start
    from period_counts

)

select * from final
