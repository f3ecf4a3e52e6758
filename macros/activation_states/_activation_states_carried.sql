{#- activation_states, carried state: on a windowed run, the CTE carried_rows, one row per
    rewritten user active before the first rewritten period: their latest active period
    before it, with its state, streak, active periods so far and first active period, which
    the user's counts continue from. Read from the model's user-state table (one row per
    user, brought to the first rewritten period by the run's pre-hooks:
    _activation_states_user_state.sql); in a dbt unit test, where the stored table is a
    fixture, from the fixture's rows. -#}
{% macro _activation_states_carried(plan, configuration) %}
{%- if plan.first_rewritten_period is not none %}

carried_rows as (

    select
        carried.user_id,
        carried.last_active_period as period_start,
        carried.last_active_state as activation_state,
        carried.last_active_streak as active_streak,
        carried.lifetime_active_periods,
        carried.first_active_period
    from
        {%- if dbt_activation._is_queryable(this) %}
        {{ dbt_activation._states_user_state_relation() }} as carried
        {%- else %}
        ({{ dbt_activation._states_latest_active_rows(this, none,
            dbt_activation._date_literal(plan.first_rewritten_period)) }}) as carried
        {%- endif %}
    inner join rewritten_users
        on carried.user_id = rewritten_users.user_id

),
{%- endif %}
{% endmacro %}
