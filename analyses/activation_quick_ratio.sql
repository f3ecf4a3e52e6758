-- Growth quick ratio per period of an activation model: users gained (new + reactivated)
-- per user churned. Above 1 the active base grows; null when no user churned.
-- Every period of the model is shown, zeros where it has no row. To reuse: point the ref
-- below at any activation model whose name ends in _daily, _weekly or _monthly (the
-- grain is read from it).

{% set activation_model = ref('fact_app_visit_activation_weekly') %}
{#- the grain, from the model name's suffix (_daily, _weekly, _monthly) -#}
{% set grain = dbt_activation._validate_grain('activation_quick_ratio', activation_model, none) %}

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
        reactivated_users,
        churned_users,
        cast(new_users + reactivated_users as {{ dbt.type_numeric() }})
        / nullif(churned_users, 0) as quick_ratio,
        period_start
    from period_counts

)

select * from final
