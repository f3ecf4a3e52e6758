-- Retention triangle of an activation model: cohort = first_active_period; for each
-- cohort and each period since its start (0, 1, 2, ...), the cohort's active users and
-- their share of the cohort. Period 0 is 1.0 by construction; periods in which no user
-- of the cohort was active show 0, up to the model's latest period.
-- To reuse: point the ref below at any activation model and set `grain` to the model's
-- grain ('day', 'week' or 'month'): it is the unit in which periods are counted.
{% set grain = 'week' %}
{% if grain not in ['day', 'week', 'month'] %}
    {{ exceptions.raise_compiler_error(
        "activation_cohort_retention: grain must be one of 'day', 'week', 'month'; got '"
        ~ grain ~ "'") }}
{% endif %}
{#- weeks: whole days / 7 (period starts of a weekly model are 7 days apart) -#}
{% if grain == 'week' %}
    {% set periods_since_cohort = 'cast(floor(' ~ dbt.datediff(
        'cohort_periods.cohort_period', 'cohort_periods.period_start', 'day')
        ~ ' / 7) as ' ~ dbt.type_int() ~ ')' %}
{% else %}
    {% set periods_since_cohort = dbt.datediff(
        'cohort_periods.cohort_period', 'cohort_periods.period_start', grain) %}
{% endif %}

{% set activation_model = ref('fact_app_visit_activation_weekly') %}

with activation as (

    select * from {{ activation_model }}

),

-- every period of the model, with or without rows
periods as (

    {{ dbt_activation._model_periods(activation_model, grain) }}

),

cohorts as (

    select
        count(distinct user_id) as cohort_users,
        first_active_period as cohort_period
    from activation
    group by first_active_period

),

cohort_activity as (

    select
        count(distinct user_id) as active_users,
        first_active_period as cohort_period,
        period_start
    from activation
    where is_active
    group by first_active_period, period_start

),

-- every period from each cohort's start on, so that periods without activity show 0
cohort_periods as (

    select
        cohorts.cohort_users,
        cohorts.cohort_period,
        periods.period_start
    from cohorts
    inner join periods
        on cohorts.cohort_period <= periods.period_start

),

final as (

    select
        {{ periods_since_cohort }} as periods_since_cohort,
        cohort_periods.cohort_users,
        coalesce(cohort_activity.active_users, 0) as active_users,
        cast(coalesce(cohort_activity.active_users, 0) as {{ dbt.type_numeric() }})
        / cohort_periods.cohort_users as retention_rate,
        cohort_periods.cohort_period,
        cohort_periods.period_start
    from cohort_periods
    left outer join cohort_activity
        on
            cohort_periods.cohort_period = cohort_activity.cohort_period
            and cohort_periods.period_start = cohort_activity.period_start

)

select * from final
