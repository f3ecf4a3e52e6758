{#-
    first_activation_events: per user, the first visit and the FIRST occurrence of each key
    event at or after it, with the elapsed hours and days (1-based) precomputed.

    A model file holding only this call is a complete incremental model. Each incremental
    run reads the events since the latest key-event first occurrence stored minus the
    lookback (activation__lookback_days), plus the whole history of any key event that was
    added to `key_events` and of any user whose first visit is new or changed, and merges
    the earlier of the stored and the newly seen occurrence per (user_id, event_name).
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

    {%- do dbt_activation._first_activation_config(key_events, first_visit_event) -%}

    {{ return(adapter.dispatch('first_activation_events', 'dbt_activation')(
        events=events, users=users, key_events=key_events, user_id=user_id,
        event_name=event_name, event_at=event_at, first_visit_at=first_visit_at,
        first_visit_event=first_visit_event, timezone=timezone, lookback_days=lookback_days,
        events_partition_column=events_partition_column)) }}
{% endmacro %}


{% macro default__first_activation_events(
    events, users, key_events, user_id, event_name, event_at, first_visit_at,
    first_visit_event, timezone, lookback_days, events_partition_column
) %}
{%- set incremental = is_incremental() -%}
{%- if incremental -%}
    {%- set plan = dbt_activation._first_activation_plan(
        users, key_events, user_id, first_visit_at, first_visit_event, timezone,
        lookback_days) -%}
{%- else -%}
    {%- set plan = none -%}
{%- endif %}

-- one row per user (should `users` repeat a user, the earliest first visit)
with {{ dbt_activation._first_activation_reads(plan, events, users, key_events, user_id, event_name,
    event_at, first_visit_at, first_visit_event, timezone, events_partition_column) }}
{{ dbt_activation._first_activation_compute(first_visit_event, timezone) }}
{{ dbt_activation._first_activation_output(incremental, key_events, first_visit_event) }}
{% endmacro %}


