{#-
    activation_states: one row per user and period (day, week or month) where the user is
    active, or was active in the previous period and is not now (the churn row), with the
    state, the transition from the previous period, the current streak, the periods since
    the last active period, the length of the inactive gap, the first active period, the
    active periods so far and, optionally, attributes of the period's first activity.

    Incremental: a run reads activity from read_from (the latest day processed, as far as
    the stored table and first_last tell, minus the lookback, activation__lookback_days) and
    rewrites the periods from w0 (the period of read_from) for the users it touches: users
    active since read_from. The other users' stored rows are final, but for the churn row
    of a period the run adds, written from their stored row of the latest period. The
    activity of w0 before read_from (weeks and months) is taken from the stored active rows
    of w0. Each touched user is continued from their stored row of the
    period before w0 if active then (its state, streak, active periods so far and first
    active period), else from their latest stored inactive row before w0 (the churn after
    their last active period, with the count and the first active period); the run replaces
    their rows from w0 on (key: user_id, period_start).
-#}
{% macro activation_states(
    source,
    first_last,
    grain,
    user_id='user_id',
    activity_at='datetime',
    timezone=none,
    week_start=none,
    attributes=[],
    lookback_days=none,
    as_of=none,
    source_partition_column=none
) %}
    {%- set macro_name = 'activation_states' -%}
    {%- do dbt_activation._validate_relation(macro_name, 'source', source) -%}
    {%- do dbt_activation._validate_relation(macro_name, 'first_last', first_last) -%}
    {%- set grain = dbt_activation._validate_choice(macro_name, 'grain', grain, ['day', 'week', 'month']) -%}
    {%- do dbt_activation._validate_identifier(macro_name, 'user_id', user_id) -%}
    {%- do dbt_activation._validate_identifier(macro_name, 'activity_at', activity_at) -%}
    {%- set attributes = dbt_activation._validate_string_list(macro_name, 'attributes', attributes,
        allow_empty=true) -%}
    {#- the output columns, and the columns the SQL adds beside the attributes -#}
    {%- set reserved = dbt_activation._activation_state_columns() + ['active_at', 'activity_instant'] -%}
    {%- for attribute in attributes -%}
        {%- do dbt_activation._validate_identifier(macro_name, 'attributes', attribute) -%}
        {%- if attribute | lower in reserved -%}
            {%- do dbt_activation._fail(macro_name, 'attributes', attributes,
                'columns whose names differ from the output columns and the working columns ('
                ~ reserved | join(', ') ~ ')') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set timezone = dbt_activation._validate_timezone(macro_name, 'timezone',
        dbt_activation._activation_var('activation__timezone', timezone)) -%}
    {%- set week_start = dbt_activation._validate_choice(macro_name, 'week_start',
        dbt_activation._activation_var('activation__week_start', week_start), ['monday', 'sunday']) -%}
    {%- set lookback_days = dbt_activation._validate_non_negative_int(macro_name, 'lookback_days',
        dbt_activation._activation_var('activation__lookback_days', lookback_days)) -%}
    {%- set as_of = dbt_activation._validate_date(macro_name, 'as_of',
        dbt_activation._activation_var('activation__as_of', as_of)) -%}
    {%- set source_columns = [['user_id', user_id], ['activity_at', activity_at]] -%}
    {%- for attribute in attributes -%}
        {%- do source_columns.append(['attributes', attribute]) -%}
    {%- endfor -%}
    {%- do dbt_activation._validate_columns(macro_name, source, source_columns) -%}
    {%- set source_partition_column = dbt_activation._validate_partition_column(
        macro_name, 'source_partition_column', source, source_partition_column) -%}
    {%- do dbt_activation._validate_columns(macro_name, first_last,
        [['first_last (a model built by activation_first_last)', 'user_id'],
         ['first_last (a model built by activation_first_last)', 'first_active_at'],
         ['first_last (a model built by activation_first_last)', 'last_active_at']]) -%}

    {%- do dbt_activation._activation_states_config(grain) -%}

    {{ return(adapter.dispatch('activation_states', 'dbt_activation')(
        source=source, first_last=first_last, grain=grain, user_id=user_id,
        activity_at=activity_at, timezone=timezone, week_start=week_start,
        attributes=attributes, lookback_days=lookback_days, as_of=as_of,
        source_partition_column=source_partition_column)) }}
{% endmacro %}


{% macro default__activation_states(
    source, first_last, grain, user_id, activity_at, timezone, week_start, attributes,
    lookback_days, as_of, source_partition_column
) %}
{%- set plan = dbt_activation._activation_states_plan(
    first_last, grain, timezone, week_start, lookback_days, as_of) -%}

with {{ dbt_activation._activation_states_reads(plan, source, first_last, grain, user_id, activity_at,
    timezone, week_start, attributes, as_of, source_partition_column) }}
{{ dbt_activation._activation_states_carried(plan, grain) }}
{{ dbt_activation._activation_states_compute(plan, grain, attributes) }}
{{ dbt_activation._activation_states_output(plan, grain, attributes) }}

select * from final
{% endmacro %}


