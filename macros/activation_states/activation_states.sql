{#-
    activation_states: one row per user and period (day, week or month) where the user is
    active, or was active in the previous period and is not now (the churn row), with the
    state, the transition from the previous period, the current streak, the periods since
    the last active period, the length of the inactive gap, the first active period, the
    active periods so far and, optionally, attributes of the period's first activity.

    The stages, each in its own file of this folder: configuration (_activation_states_config),
    plan (_activation_states_plan: the mode and window of an incremental run, from the run
    state recorded beside the table), reads, carried state, state computation, output.
-#}
{% macro activation_states(
    source,
    first_last=none,
    grain=none,
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
    {%- if first_last is not none -%}
        {%- do dbt_activation._validate_relation(macro_name, 'first_last', first_last) -%}
        {%- if execute -%}
            {%- do exceptions.warn("Warning: " ~ macro_name ~ ": model " ~ this.identifier ~ ": first_last is no longer"
                ~ " read (the model records its own watermark) and can be removed from the call") -%}
        {%- endif -%}
    {%- endif -%}
    {%- if grain is none -%}
        {%- do dbt_activation._fail(macro_name, 'grain', missing_argument, "one of 'day', 'week', 'month'") -%}
    {%- endif -%}
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

    {#- what shapes the rows: recorded with each run, and compared by the next -#}
    {%- set configuration = {
        'source': dbt_activation._relation_name(source),
        'source_schema': dbt_activation._relation_schema(source),
        'user_id': user_id,
        'activity_at': activity_at,
        'grain': grain,
        'timezone': timezone,
        'week_start': week_start if grain == 'week' else none,
        'attributes': attributes,
        'as_of': as_of,
    } -%}
    {%- do dbt_activation._activation_states_config(grain) -%}
    {%- do config(meta={'dbt_activation': {'macro': macro_name, 'grain': grain, 'timezone': timezone,
        'week_start': week_start, 'as_of': as_of, 'attributes': attributes}}) -%}

    {%- set inputs = {
        'source': source,
        'activity_instant': dbt_activation._instant_column(macro_name, 'activity_at', source, activity_at),
        'source_partition_column': source_partition_column,
    } -%}
    {%- set plan = dbt_activation._activation_states_run_plan(configuration, inputs, lookback_days) -%}
    {{ return(adapter.dispatch('activation_states', 'dbt_activation')(plan, configuration, inputs)) }}
{% endmacro %}


{#- The statement: the run's plan in a comment (read back by the run-state hooks), then the
    stages' CTEs. -#}
{% macro default__activation_states(plan, configuration, inputs) %}
{{ dbt_activation._run_state_header('activation_states', plan) }}
with {{ dbt_activation._activation_states_reads(plan, configuration, inputs) }}
{{ dbt_activation._activation_states_carried(plan, configuration) }}
{{ dbt_activation._activation_states_compute(plan, configuration) }}
{{ dbt_activation._activation_states_output(plan, configuration, inputs) }}

select * from final
{% endmacro %}
