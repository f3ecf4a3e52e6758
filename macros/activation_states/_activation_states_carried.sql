{#- activation_states, carried state: the CTEs continuing the touched users from their stored rows. -#}
{% macro _activation_states_carried(plan, grain) %}
{%- set windowed = plan.window_start is not none -%}
{%- set int_type = dbt.type_bigint() -%}

{%- if windowed %}

-- the rows active in the period before w0: those users continue from them (their state,
-- streak, active periods so far and first active period)
previous_active as (

    select
        stored.user_id,
        stored.period_start,
        stored.activation_state,
        stored.active_streak,
        stored.lifetime_active_periods,
        stored.first_active_period
    from {{ this }} as stored
    inner join touched_users
        on stored.user_id = touched_users.user_id
    where stored.period_start = {{ plan.previous_period }} and stored.is_active

),

-- the other touched users with a history continue from their latest inactive row before w0:
-- every active period before the period before w0 is followed, before w0, by an active row or
-- by the inactive row of its churn, which carries the count and the first active period; a
-- seed further back than the period before w0 is followed by a gap, so its state and streak
-- are never read (no sort of the stored rows, and only inactive rows reach the join)
latest_churn as (

    select
        stored.user_id,
        max(stored.period_start) as period_start,
        max(stored.lifetime_active_periods) as lifetime_active_periods,
        min(stored.first_active_period) as first_active_period
    from {{ this }} as stored
    inner join touched_users
        on stored.user_id = touched_users.user_id
    where stored.period_start < {{ plan.window_start }} and not stored.is_active
    group by stored.user_id

),

seeds as (

    select
        user_id,
        period_start,
        activation_state,
        active_streak,
        lifetime_active_periods,
        first_active_period
    from previous_active

    union all

    select
        latest_churn.user_id,
        {{ dbt_activation._add_periods('latest_churn.period_start', -1, grain) }} as period_start,
        cast(null as {{ dbt.type_string() }}) as activation_state,
        0 as active_streak,
        latest_churn.lifetime_active_periods,
        latest_churn.first_active_period
    from latest_churn
    left join previous_active
        on latest_churn.user_id = previous_active.user_id
    where previous_active.user_id is null

),
{%- endif %}
{% endmacro %}
