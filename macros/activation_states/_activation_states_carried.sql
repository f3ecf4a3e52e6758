{#- activation_states, carried state: on a windowed run, the CTE carried_rows, one row per
    rewritten user with a history before the first rewritten period, which that user's
    counts continue from: their stored row of the period before it if active then (its
    state, streak, active periods so far, first active period), else their latest stored
    churn row before it (its count and first active period). -#}
{% macro _activation_states_carried(plan, configuration) %}
{%- set grain = configuration.grain -%}
{%- set windowed = plan.first_rewritten_period is not none -%}

{%- if windowed %}

-- the rows active in the period before the first rewritten one: those users continue from
-- them (their state, streak, active periods so far and first active period)
previous_period_rows as (

    select
        stored.user_id,
        stored.period_start,
        stored.activation_state,
        stored.active_streak,
        stored.lifetime_active_periods,
        stored.first_active_period
    from {{ this }} as stored
    inner join rewritten_users
        on stored.user_id = rewritten_users.user_id
    where stored.period_start = {{ dbt_activation._date_literal(plan.period_before_rewrite) }} and stored.is_active

),

-- the other rewritten users with a history continue from their latest churn row before the
-- first rewritten period: every active period before the period before it is followed, before
-- it, by an active row or by the churn row, which carries the count and the first active
-- period; a carried row further back than the period before the first rewritten one is
-- followed by a gap, so its state and streak are never read (no sort of the stored rows, and
-- only inactive rows reach the join)
latest_churn_rows as (

    select
        stored.user_id,
        max(stored.period_start) as period_start,
        max(stored.lifetime_active_periods) as lifetime_active_periods,
        min(stored.first_active_period) as first_active_period
    from {{ this }} as stored
    inner join rewritten_users
        on stored.user_id = rewritten_users.user_id
    where stored.period_start < {{ dbt_activation._date_literal(plan.first_rewritten_period) }} and not stored.is_active
    group by stored.user_id

),

carried_rows as (

    select
        user_id,
        period_start,
        activation_state,
        active_streak,
        lifetime_active_periods,
        first_active_period
    from previous_period_rows

    union all

    select
        latest_churn_rows.user_id,
        {{ dbt_activation._add_periods('latest_churn_rows.period_start', -1, grain) }} as period_start,
        cast(null as {{ dbt.type_string() }}) as activation_state,
        0 as active_streak,
        latest_churn_rows.lifetime_active_periods,
        latest_churn_rows.first_active_period
    from latest_churn_rows
    left join previous_period_rows
        on latest_churn_rows.user_id = previous_period_rows.user_id
    where previous_period_rows.user_id is null

),
{%- endif %}
{% endmacro %}
