{#- activation_states, state computation: from the sequence of each user's active periods
    (and, on a windowed run, the carried row before them) to the state, streak and count of
    each active period. Islands: within a run of consecutive periods, the period number minus
    the period_position is constant. -#}
{% macro _activation_states_compute(plan, configuration) %}
{%- set grain, attributes = configuration.grain, configuration.attributes -%}
{%- set windowed = plan.first_rewritten_period is not none -%}
{%- set int_type = dbt.type_bigint() -%}

-- the sequence of active periods of each user, with their attributes; a carried row (the
-- last period before the first rewritten one, on a windowed run) has its stored state,
-- streak and count
period_sequence as (

    select
        user_id,
        period_start,
        false as is_carried,
        cast(null as {{ dbt.type_string() | lower }}) as carried_state,
        cast(null as {{ int_type }}) as carried_streak,
        cast(null as {{ int_type }}) as carried_lifetime,
        cast(null as date) as carried_first_active_period
        {%- for attribute in attributes %},
        {{ attribute }}
        {%- endfor %}
    from active_periods
    {%- if windowed %}

    union all

    select
        user_id,
        period_start,
        true as is_carried,
        activation_state as carried_state,
        cast(active_streak as {{ int_type }}) as carried_streak,
        cast(lifetime_active_periods as {{ int_type }}) as carried_lifetime,
        first_active_period as carried_first_active_period
        {%- for attribute in attributes %},
        null as {{ attribute }}
        {%- endfor %}
    from carried_rows
    {%- endif %}

),

ordered as (

    select
        *,
        lag(period_start) over user_periods as previous_active_period,
        lag(period_start, 2) over user_periods as second_previous_active_period,
        lead(period_start) over user_periods as next_active_period,
        row_number() over user_periods as period_position,
        min(period_start) over user_history as first_sequence_period,
        max(case when is_carried then 1 else 0 end) over user_history as has_carried,
        max(carried_state) over user_history as base_state,
        max(carried_streak) over user_history as base_streak,
        max(carried_lifetime) over user_history as base_lifetime,
        min(coalesce(carried_first_active_period, period_start)) over user_history as first_active_period
    from period_sequence
    window
        user_periods as (partition by user_id order by period_start),
        user_history as (partition by user_id)

),

-- islands: within a run of consecutive periods, the period number minus the period_position is
-- constant; the first island (the one holding the carried row, if any) is numbered -1
gaps as (

    select
        *,
        {{ dbt_activation._periods_between('previous_active_period', 'period_start', grain) }}
            as periods_since_previous,
        {{ dbt_activation._periods_between(
            'second_previous_active_period', 'previous_active_period', grain) }}
            as previous_periods_since_previous,
        {{ dbt_activation._periods_between('period_start', 'next_active_period', grain) }}
            as periods_to_next,
        {{ dbt_activation._periods_between('first_sequence_period', 'period_start', grain) }}
            - period_position as island
    from ordered

),

states as (

    select
        *,
        case
            when is_carried then carried_state
            when previous_active_period is null then 'new'
            when periods_since_previous = 1 then 'retained'
            else 'reactivated'
        end as activation_state,
        -- the state of the previous active period (the carried row's, or derived from its own gap)
        case
            when previous_active_period is null then cast(null as {{ dbt.type_string() | lower }})
            when has_carried = 1 and period_position = 2 then base_state
            when second_previous_active_period is null then 'new'
            when previous_periods_since_previous = 1 then 'retained'
            else 'reactivated'
        end as previous_active_state,
        case
            when is_carried then carried_streak
            else row_number() over (partition by user_id, island order by period_start)
                + case when has_carried = 1 and island = -1 then base_streak - 1 else 0 end
        end as active_streak,
        case
            when is_carried then carried_lifetime
            else period_position - has_carried + coalesce(base_lifetime, 0)
        end as lifetime_active_periods
    from gaps

),
{% endmacro %}
