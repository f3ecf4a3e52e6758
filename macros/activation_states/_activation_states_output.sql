{#- activation_states, output: the active rows, the churn rows (the period after an active
    period without activity, up to the as-of period) and the CTE final. On a windowed run, the
    churn rows from the first rewritten period on, and those of the period this run adds for
    the users it does not rewrite, from their stored rows. -#}
{% macro _activation_states_output(plan, configuration, inputs) %}
{%- set grain, attributes = configuration.grain, configuration.attributes -%}
{%- set windowed = plan.first_rewritten_period is not none -%}
{%- set int_type = dbt.type_bigint() -%}
{%- set as_of_period = dbt_activation._activation_states_as_of_period(plan, configuration, inputs) -%}

active_rows as (

    select
        period_start,
        user_id,
        activation_state,
        case
            when activation_state = 'new' then cast(null as {{ dbt.type_string() | lower }})
            when activation_state = 'reactivated' then 'inactive'
            else previous_active_state
        end as previous_state,
        true as is_active,
        active_streak,
        case when activation_state = 'new' then null else periods_since_previous end
            as periods_since_last_active,
        case when activation_state = 'new' then null else periods_since_previous - 1 end
            as inactive_periods,
        first_active_period,
        lifetime_active_periods,
        is_carried
        {%- for attribute in attributes %},
        {{ attribute }}
        {%- endfor %}
    from states

),

-- the churn row: the period right after an active period without activity
churn_rows as (

    select
        {{ dbt_activation._add_periods('states.period_start', 1, grain) }} as period_start,
        states.user_id,
        'inactive' as activation_state,
        states.activation_state as previous_state,
        false as is_active,
        0 as active_streak,
        1 as periods_since_last_active,
        0 as inactive_periods,
        states.first_active_period,
        states.lifetime_active_periods
    from states
    where
        {{ dbt_activation._add_periods('states.period_start', 1, grain) }} <= {{ as_of_period }}
        and (states.next_active_period is null or states.periods_to_next > 1)
        {%- if windowed %}
        and {{ dbt_activation._add_periods('states.period_start', 1, grain) }}
        >= {{ dbt_activation._date_literal(plan.first_rewritten_period) }}

    union all

    -- users active in the last stored period and not rewritten: the churn row of the period
    -- after it, if this run adds that period, from their stored row
    select
        {{ dbt_activation._add_periods('stored_row.period_start', 1, grain) }} as period_start,
        stored_row.user_id,
        'inactive' as activation_state,
        stored_row.activation_state as previous_state,
        false as is_active,
        0 as active_streak,
        1 as periods_since_last_active,
        0 as inactive_periods,
        stored_row.first_active_period,
        stored_row.lifetime_active_periods
    from {{ this }} as stored_row
    left join rewritten_users
        on stored_row.user_id = rewritten_users.user_id
    where
        stored_row.period_start = {{ dbt_activation._date_literal(plan.last_stored_period) }}
        and {{ dbt_activation._add_periods('stored_row.period_start', 1, grain) }} <= {{ as_of_period }}
        and stored_row.is_active
        and rewritten_users.user_id is null
        {%- endif %}

),

all_rows as (

    select
        active_rows.period_start,
        active_rows.user_id,
        active_rows.activation_state,
        active_rows.previous_state,
        active_rows.is_active,
        active_rows.active_streak,
        active_rows.periods_since_last_active,
        active_rows.inactive_periods,
        active_rows.first_active_period,
        active_rows.lifetime_active_periods
        {%- for attribute in attributes %},
        active_rows.{{ attribute }}
        {%- endfor %}
    from active_rows
    where not active_rows.is_carried

    union all

    select
        period_start,
        user_id,
        activation_state,
        previous_state,
        is_active,
        active_streak,
        periods_since_last_active,
        inactive_periods,
        first_active_period,
        lifetime_active_periods
        {%- for attribute in attributes %},
        null as {{ attribute }}
        {%- endfor %}
    from churn_rows

),

final as (

    select
        period_start,
        user_id,
        activation_state,
        previous_state,
        coalesce(previous_state, 'none') || '_to_' || activation_state as state_transition,
        is_active,
        cast(active_streak as {{ int_type }}) as active_streak,
        cast(periods_since_last_active as {{ int_type }}) as periods_since_last_active,
        cast(inactive_periods as {{ int_type }}) as inactive_periods,
        first_active_period,
        cast(lifetime_active_periods as {{ int_type }}) as lifetime_active_periods
        {%- for attribute in attributes %},
        {{ attribute }}
        {%- endfor %}
    from all_rows

)
{% endmacro %}
