{#- Incremental plan, decided at compile time from the stored table (a small query on the
    model itself plus one on `users`), and logged:
    - scan_from: a datetime (SQL in a unit test); events at or after it are read. It is the latest
      stored first occurrence of a key event minus the lookback (minus one more day, so that no time zone
      offset can push an event out of the window), or the first visit of a user that is
      new to the model or whose first visit changed, whichever is earlier.
    - backfill_events: key events with no stored row yet (just added to key_events, or
      never seen): read from the whole history. -#}
{% macro _first_activation_plan(
    users, key_events, user_id, first_visit_at, first_visit_event, timezone, lookback_days
) %}
    {%- if not dbt_activation._is_queryable(this) -%}
        {#- parsing, or a unit test (where `this` is a CTE): read all events -#}
        {{ return({'scan_from': dbt_activation._timestamp_literal(modules.datetime.datetime(1970, 1, 1)),
                   'backfill_events': []}) }}
    {%- endif -%}
    {%- set stored_query -%}
        select event_name, max(datetime) as latest
        from {{ this }}
        group by event_name
    {%- endset -%}
    {%- set stored = run_query(stored_query) -%}
    {%- set stored_events = stored.columns[0].values() | list -%}
    {#- the latest key event processed; the first-visit rows come from `users`, which can
        run ahead of the events -#}
    {%- set latest = [] -%}
    {%- for row in stored.rows if row[0] != first_visit_event and row[1] is not none -%}
        {%- do latest.append(row[1]) -%}
    {%- endfor -%}
    {%- set backfill_events = key_events | reject('in', stored_events) | list -%}
    {%- set removed_events = stored_events | reject('in', key_events + [first_visit_event]) | list -%}

    {%- set changed_query -%}
        select min(users_source.{{ first_visit_at }}) as earliest
        from (
            -- one row per user, as in the model's SQL
            select {{ user_id }}, min({{ first_visit_at }}) as {{ first_visit_at }}
            from {{ users }}
            where {{ user_id }} is not null and {{ first_visit_at }} is not null
            group by {{ user_id }}
        ) as users_source
        left join (
            select user_id, first_visit_datetime
            from {{ this }}
            where event_name = '{{ first_visit_event }}'
        ) as stored
            on users_source.{{ user_id }} = stored.user_id
        where
            stored.user_id is null
            or stored.first_visit_datetime
            <> {{ dbt_activation._local_timestamp('users_source.' ~ first_visit_at, timezone) }}
    {%- endset -%}
    {%- set earliest_changed = run_query(changed_query).columns[0].values()[0] -%}

    {%- set candidates = [] -%}
    {%- if latest | length > 0 -%}
        {%- set latest_local = latest | max -%}
        {%- do candidates.append(modules.datetime.datetime.combine(
            latest_local.date() if latest_local.date is defined else latest_local,
            modules.datetime.time()) - modules.datetime.timedelta(days=lookback_days + 1)) -%}
    {%- endif -%}
    {%- if earliest_changed is not none -%}
        {%- do candidates.append(earliest_changed.replace(tzinfo=none)) -%}
    {%- endif -%}
    {%- if candidates | length == 0 -%}
        {#- empty table: everything is new -#}
        {%- set scan_from = modules.datetime.datetime(1970, 1, 1) -%}
    {%- else -%}
        {%- set scan_from = candidates | min -%}
    {%- endif -%}

    {{ log("first_activation_events " ~ this ~ ": incremental run reading events since "
        ~ scan_from ~ (", backfilling " ~ backfill_events | join(', ') if backfill_events else "")
        ~ (", removing " ~ removed_events | join(', ') if removed_events else ""), info=true) }}
    {{ return({'scan_from': scan_from, 'backfill_events': backfill_events}) }}
{% endmacro %}
