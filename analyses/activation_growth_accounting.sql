-- Growth accounting per period of an activation model: new, retained, reactivated and
-- churned users (churned as a negative number, for a stacked bar chart), the active
-- users and the net change in active users from the previous period. Every user active
-- in one period is retained or churned in the next, so retained + |churned| = the
-- previous period's active users and net_change = new + reactivated - |churned|.
-- Every period of the model is shown, zeros where it has no row. To reuse: point the ref
-- below at any activation model whose name ends in _daily, _weekly or _monthly (the
-- grain is read from it).

{% set activation_model = ref('fact_app_visit_activation_weekly') %}
{#- the grain, from the model name's suffix (_daily, _weekly, _monthly) -#}
{% set grain = dbt_activation._validate_grain('activation_growth_accounting', activation_model, none) %}

with activation as (

    select * from {{ activation_model }}

),

-- every period of the model, with or without rows
periods as (

    {{ dbt_activation._model_periods(activation_model, grain) }}

),

period_counts as (

    select
        count(case when activation.activation_state = 'new' then 1 end) as new_users,
        count(case when activation.activation_state = 'retained' then 1 end) as retained_users,
        count(case when activation.activation_state = 'reactivated' then 1 end) as reactivated_users,
        count(case when activation.activation_state = 'inactive' then 1 end) as churned_users,
        periods.period_start
    from periods
    left outer join activation
        on periods.period_start = activation.period_start
    group by periods.period_start

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
