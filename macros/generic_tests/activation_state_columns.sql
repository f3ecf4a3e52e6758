{#-
    activation_state_columns: the streak and interval columns of an activation model (a
    model built by activation_states) agree with its states, row by row and across the
    consecutive rows of each user (ordered by period_start). Returns one row per broken
    rule and model row: violation (the rule, worded as what must hold), the row's key and
    columns, and the period of the user's previous row.
-#}
{% test activation_state_columns(model, grain=none) %}
    {%- set grain = dbt_activation._activation_model_settings('activation_state_columns', model, grain).grain -%}
    {{ return(adapter.dispatch('test_activation_state_columns', 'dbt_activation')(model, grain)) }}
{% endtest %}


{% macro default__test_activation_state_columns(model, grain) %}
{%- set active_states = "('new', 'retained', 'reactivated')" -%}
{#- Each rule: [what must hold (the violation text), the rows it applies to, the condition
    that must be true on them]. A null condition counts as false. -#}
{%- set rules = [
    ['state_transition must be previous_state (or none) _to_ activation_state',
        "activation_state is not null", "state_transition = expected_transition"],

    ['new row: previous_state must be null',
        "activation_state = 'new'", "previous_state is null"],
    ['new row: active_streak must be 1',
        "activation_state = 'new'", "active_streak = 1"],
    ['new row: periods_since_last_active must be null',
        "activation_state = 'new'", "periods_since_last_active is null"],
    ['new row: inactive_periods must be null',
        "activation_state = 'new'", "inactive_periods is null"],
    ['new row: lifetime_active_periods must be 1',
        "activation_state = 'new'", "lifetime_active_periods = 1"],

    ['retained row: previous_state must be new, retained or reactivated',
        "activation_state = 'retained'", "previous_state in " ~ active_states],
    ['retained row: periods_since_last_active must be 1',
        "activation_state = 'retained'", "periods_since_last_active = 1"],
    ['retained row: inactive_periods must be 0',
        "activation_state = 'retained'", "inactive_periods = 0"],
    ['retained row: active_streak must be at least 2',
        "activation_state = 'retained'", "active_streak >= 2"],
    ['retained row: the previous row must be exactly 1 period earlier',
        "activation_state = 'retained'", "periods_since_previous_row = 1"],
    ['retained row: previous_state must be the state of the previous row',
        "activation_state = 'retained'", "previous_state = previous_row_state"],
    ['retained row: active_streak must be the streak of the previous row + 1',
        "activation_state = 'retained'", "active_streak = previous_row_streak + 1"],

    ['reactivated row: previous_state must be inactive',
        "activation_state = 'reactivated'", "previous_state = 'inactive'"],
    ['reactivated row: periods_since_last_active must be at least 2',
        "activation_state = 'reactivated'", "periods_since_last_active >= 2"],
    ['reactivated row: inactive_periods must be periods_since_last_active - 1',
        "activation_state = 'reactivated'", "inactive_periods = periods_since_last_active - 1"],
    ['reactivated row: active_streak must be 1',
        "activation_state = 'reactivated'", "active_streak = 1"],
    ['reactivated row: periods_since_last_active must be the periods since the previous active row',
        "activation_state = 'reactivated'",
        "periods_since_last_active = periods_since_previous_active_row"],

    ['inactive row: previous_state must be new, retained or reactivated',
        "activation_state = 'inactive'", "previous_state in " ~ active_states],
    ['inactive row: active_streak must be 0',
        "activation_state = 'inactive'", "active_streak = 0"],
    ['inactive row: periods_since_last_active must be 1',
        "activation_state = 'inactive'", "periods_since_last_active = 1"],
    ['inactive row: inactive_periods must be 0',
        "activation_state = 'inactive'", "inactive_periods = 0"],
    ['inactive row: the previous row must be exactly 1 period earlier',
        "activation_state = 'inactive'", "periods_since_previous_row = 1"],
    ['inactive row: previous_state must be the state of the previous row',
        "activation_state = 'inactive'", "previous_state = previous_row_state"],

    ['active row: lifetime_active_periods must be that of the previous row + 1',
        "activation_state in " ~ active_states ~ " and previous_row_period_start is not null",
        "lifetime_active_periods = previous_row_lifetime + 1"],
    ['inactive row: lifetime_active_periods must be that of the previous row',
        "activation_state = 'inactive' and previous_row_period_start is not null",
        "lifetime_active_periods = previous_row_lifetime"],
] -%}

with model_rows as (

    select
        period_start,
        user_id,
        activation_state,
        previous_state,
        state_transition,
        active_streak,
        periods_since_last_active,
        inactive_periods,
        lifetime_active_periods,
        case when activation_state in {{ active_states }} then period_start end
            as active_period_start
    from {{ model }}

),

-- each row beside the user's previous row and previous active row
ordered_rows as (

    select
        period_start,
        user_id,
        activation_state,
        previous_state,
        state_transition,
        active_streak,
        periods_since_last_active,
        inactive_periods,
        lifetime_active_periods,
        lag(period_start) over user_rows as previous_row_period_start,
        lag(activation_state) over user_rows as previous_row_state,
        lag(active_streak) over user_rows as previous_row_streak,
        lag(lifetime_active_periods) over user_rows as previous_row_lifetime,
        max(active_period_start) over (
            partition by user_id
            order by period_start
            rows between unbounded preceding and 1 preceding
        ) as previous_active_period_start
    from model_rows
    window user_rows as (partition by user_id order by period_start)

),

checked_rows as (

    select
        ordered_rows.*,
        {{ dbt.concat([
            "coalesce(ordered_rows.previous_state, 'none')",
            "'_to_'",
            "ordered_rows.activation_state",
        ]) }} as expected_transition,
        {{ dbt_activation._periods_between(
            'ordered_rows.previous_row_period_start', 'ordered_rows.period_start', grain) }}
            as periods_since_previous_row,
        {{ dbt_activation._periods_between(
            'ordered_rows.previous_active_period_start', 'ordered_rows.period_start', grain) }}
            as periods_since_previous_active_row
    from ordered_rows

),

-- the rows breaking at least one rule (normally none), scanned once
failing_rows as (

    select *
    from checked_rows
    where
        {%- for description, applies_to, must_hold in rules %}
        {{ 'or ' if not loop.first }}(
            ({{ applies_to }})
            and not coalesce({{ must_hold }}, false)
        )
        {%- endfor %}

),

rules as (
{% for description, applies_to, must_hold in rules %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select
        {{ loop.index }} as rule_number,
        '{{ description }}' as violation
{%- endfor %}

),

-- one row per broken rule and row
violations as (

    select
        rules.violation,
        failing_rows.period_start,
        failing_rows.user_id,
        failing_rows.activation_state,
        failing_rows.previous_state,
        failing_rows.state_transition,
        failing_rows.active_streak,
        failing_rows.periods_since_last_active,
        failing_rows.inactive_periods,
        failing_rows.lifetime_active_periods,
        failing_rows.previous_row_period_start
    from failing_rows
    cross join rules
    where
        case
            {%- for description, applies_to, must_hold in rules %}
            when rules.rule_number = {{ loop.index }}
                then (
                    ({{ applies_to }})
                    and not coalesce({{ must_hold }}, false)
                )
            {%- endfor %}
        end

)

select * from violations
{% endmacro %}
