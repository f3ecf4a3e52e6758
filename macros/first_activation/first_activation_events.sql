{#-
    first_activation_events: per user, the first visit and the FIRST occurrence of each key
    event at or after it, with the elapsed hours and days (1-based) precomputed.

    The stages, each in its own file of this folder: configuration
    (_first_activation_config), plan (_first_activation_plan: the mode and window of an
    incremental run, from the run state recorded beside the table), reads, first
    occurrences (_first_activation_compute), output.
-#}
{% macro first_activation_events(
    events,
    users,
    key_events,
    user_id='user_id',
    event_name='event_name',
    event_at='datetime',
    first_visit_at='first_datetime',
    first_visit_event='first_visit',
    timezone=none,
    lookback_days=none,
    events_partition_column=none
) %}
    {%- set macro_name = 'first_activation_events' -%}
    {%- do dbt_activation._validate_relation(macro_name, 'events', events) -%}
    {%- do dbt_activation._validate_relation(macro_name, 'users', users) -%}
    {%- set key_events = dbt_activation._validate_string_list(macro_name, 'key_events', key_events) -%}
    {%- for argument, value in {
        'user_id': user_id, 'event_name': event_name, 'event_at': event_at,
        'first_visit_at': first_visit_at}.items() -%}
        {%- do dbt_activation._validate_identifier(macro_name, argument, value) -%}
    {%- endfor -%}
    {%- if first_visit_event is not string or first_visit_event | length == 0 -%}
        {%- do dbt_activation._fail(macro_name, 'first_visit_event', first_visit_event,
            'a non-empty string') -%}
    {%- endif -%}
    {%- if first_visit_event in key_events -%}
        {%- do dbt_activation._fail(macro_name, 'key_events', key_events,
            "a list that does not contain first_visit_event '" ~ first_visit_event
            ~ "' (the first visit row comes from `users`)") -%}
    {%- endif -%}
    {%- if "'" in key_events | join('') -%}
        {%- do dbt_activation._fail(macro_name, 'key_events', key_events,
            'event names without single quotes') -%}
    {%- endif -%}
    {%- if "'" in first_visit_event -%}
        {%- do dbt_activation._fail(macro_name, 'first_visit_event', first_visit_event,
            'an event name without single quotes') -%}
    {%- endif -%}
    {%- set timezone = dbt_activation._validate_timezone(macro_name, 'timezone',
        dbt_activation._activation_var('activation__timezone', timezone)) -%}
    {%- set lookback_days = dbt_activation._validate_non_negative_int(macro_name, 'lookback_days',
        dbt_activation._activation_var('activation__lookback_days', lookback_days)) -%}
    {%- do dbt_activation._validate_columns(macro_name, events,
        [['user_id', user_id], ['event_name', event_name], ['event_at', event_at]]) -%}
    {%- do dbt_activation._validate_columns(macro_name, users,
        [['user_id', user_id], ['first_visit_at', first_visit_at]]) -%}
    {%- set events_partition_column = dbt_activation._validate_partition_column(
        macro_name, 'events_partition_column', events, events_partition_column) -%}


    {#- what shapes the rows: recorded with each run, and compared by the next -#}
    {%- set configuration = {
        'events': dbt_activation._relation_name(events),
        'users': dbt_activation._relation_name(users),
        'events_schema': dbt_activation._relation_schema(events),
        'users_schema': dbt_activation._relation_schema(users),
        'key_events': key_events,
        'user_id': user_id,
        'event_name': event_name,
        'event_at': event_at,
        'first_visit_at': first_visit_at,
        'first_visit_event': first_visit_event,
        'timezone': timezone,
    } -%}
    {%- do dbt_activation._first_activation_config() -%}
    {%- do config(meta={'dbt_activation': {'macro': macro_name, 'key_events': key_events,
        'first_visit_event': first_visit_event, 'timezone': timezone}}) -%}

    {%- set inputs = {
        'events': events,
        'users': users,
        'event_instant': dbt_activation._instant_column(macro_name, 'event_at', events, event_at),
        'first_visit_instant': dbt_activation._instant_column(macro_name, 'first_visit_at', users, first_visit_at),
        'events_partition_column': events_partition_column,
    } -%}
    {%- set plan = dbt_activation._first_activation_run_plan(configuration, inputs, lookback_days) -%}
    {{ return(adapter.dispatch('first_activation_events', 'dbt_activation')(plan, configuration, inputs)) }}
{% endmacro %}


{#- The statement: the run's plan in a comment (read back by the run-state hooks), then the
    stages' CTEs, then the statement's end (an engine may add rows to it). -#}
{% macro default__first_activation_events(plan, configuration, inputs) %}
{{ dbt_activation._run_state_header('first_activation_events', plan) }}
-- one row per user (should `users` repeat a user, the earliest first visit)
with {{ dbt_activation._first_activation_reads(plan, configuration, inputs) }}
{{ dbt_activation._first_activation_compute(plan, configuration) }}
{{ dbt_activation._first_activation_output(plan, configuration) }}
{% endmacro %}
