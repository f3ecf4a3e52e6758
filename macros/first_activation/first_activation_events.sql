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
{%- endif -%}
{%- set key_event_list = "'" ~ key_events | join("', '") ~ "'" -%}

-- one row per user (should `users` repeat a user, the earliest first visit)
with users_source as (

    select
        {{ user_id }} as user_id,
        min({{ first_visit_at }}) as first_visit_at
    from {{ users }}
    where {{ user_id }} is not null and {{ first_visit_at }} is not null
    group by {{ user_id }}

),

events_source as (

    select
        {{ user_id }} as user_id,
        {{ event_name }} as event_name,
        {{ event_at }} as event_at
    from {{ events }}
    where
        {{ user_id }} is not null
        and {{ event_at }} is not null
        and {{ event_name }} in ({{ key_event_list }})
        {%- if incremental %}
        and (
            ({{ dbt_activation._scan_since(event_at, events_partition_column, plan.scan_from) }})
            {%- if plan.backfill_events %}
            or {{ event_name }} in ('{{ plan.backfill_events | join("', '") }}')
            {%- endif %}
        )
        {%- endif %}

),

first_visits as (

    select
        user_id,
        first_visit_at,
        {{ dbt_activation._local_timestamp('first_visit_at', timezone) }} as first_visit_datetime
    from users_source

),

{%- if incremental %}

stored_first_visits as (

    select
        user_id,
        first_visit_datetime
    from {{ this }}
    where event_name = '{{ first_visit_event }}'

),

-- users new to the model, or whose first visit moved: all their rows are rewritten
changed_users as (

    select first_visits.user_id
    from first_visits
    left join stored_first_visits
        on first_visits.user_id = stored_first_visits.user_id
    where
        stored_first_visits.user_id is null
        or stored_first_visits.first_visit_datetime <> first_visits.first_visit_datetime

),
{%- endif %}

-- earliest occurrence of each key event at or after the user's first visit: the earliest
-- instant (not wall-clock time, which repeats an hour when clocks go back), then its local time
seen_instants as (

    select
        events_source.user_id,
        events_source.event_name,
        min(events_source.event_at) as event_at
    from events_source
    inner join first_visits
        on events_source.user_id = first_visits.user_id
    where events_source.event_at >= first_visits.first_visit_at
    group by events_source.user_id, events_source.event_name

),

seen_occurrences as (

    select
        user_id,
        event_name,
        {{ dbt_activation._local_timestamp('event_at', timezone) }} as datetime
    from seen_instants

),

{%- if incremental %}

-- for users whose first visit did not change, the stored occurrence stays valid
stored_occurrences as (

    select
        stored.user_id,
        stored.event_name,
        stored.datetime
    from {{ this }} as stored
    inner join seen_occurrences
        on
            stored.user_id = seen_occurrences.user_id
            and stored.event_name = seen_occurrences.event_name
    left join changed_users
        on stored.user_id = changed_users.user_id
    where changed_users.user_id is null

),

-- what the run writes: occurrences not stored yet or earlier than the stored one, and
-- every occurrence of a user whose first visit is new or changed
first_occurrences as (

    select
        seen_occurrences.user_id,
        seen_occurrences.event_name,
        seen_occurrences.datetime
    from seen_occurrences
    left join stored_occurrences
        on
            seen_occurrences.user_id = stored_occurrences.user_id
            and seen_occurrences.event_name = stored_occurrences.event_name
    where
        stored_occurrences.user_id is null
        or seen_occurrences.datetime < stored_occurrences.datetime

),
{%- else %}

first_occurrences as (

    select * from seen_occurrences

),
{%- endif %}

first_visit_rows as (

    select
        first_visits.user_id,
        '{{ first_visit_event }}' as event_name,
        first_visits.first_visit_datetime as datetime
    from first_visits
    {%- if incremental %}
    inner join changed_users
        on first_visits.user_id = changed_users.user_id
    {%- endif %}

),

final as (

    select
        cast(activations.datetime as date) as date,
        activations.datetime,
        activations.user_id,
        activations.event_name,
        cast(first_visits.first_visit_datetime as date) as first_visit_date,
        first_visits.first_visit_datetime,
        {#- datediff counts hour (day) boundaries crossed, which is the difference of the
            hour- (day-) truncated timestamps on every engine -#}
        cast(
            {{ dbt_activation._datediff('first_visits.first_visit_datetime', 'activations.datetime', 'hour') }} + 1
            as {{ dbt.type_int() }}
        ) as hours_from_first_visit,
        cast(
            {{ dbt_activation._datediff(
                'cast(first_visits.first_visit_datetime as date)',
                'cast(activations.datetime as date)', 'day') }} + 1
            as {{ dbt.type_int() }}
        ) as days_from_first_visit
    from (
        select user_id, event_name, datetime from first_visit_rows
        union all
        select user_id, event_name, datetime from first_occurrences
    ) as activations
    inner join first_visits
        on activations.user_id = first_visits.user_id

)
{{ dbt_activation._first_activation_output(incremental, key_events, first_visit_event) }}
{% endmacro %}


{#- The statement's end, after the CTE `final` (the rows to write). On engines that merge on
    the grain it is `select * from final`. -#}
{% macro _first_activation_output(incremental, key_events, first_visit_event) %}
    {{ return(adapter.dispatch('_first_activation_output', 'dbt_activation')(
        incremental, key_events, first_visit_event)) }}
{% endmacro %}

{% macro default___first_activation_output(incremental, key_events, first_visit_event) %}
select * from final
{%- endmacro %}

{#- Spark (parquet: no MERGE, no DELETE) overwrites whole `date` partitions: an incremental
    run emits every row of each partition it touches, i.e. of the new rows and of the stored
    rows they replace or that must go (the cleanup of the other engines' post-hook), and a
    tombstone for a touched partition left empty. -#}
{% macro spark___first_activation_output(incremental, key_events, first_visit_event) %}
{%- if not incremental %}
select * from final
{%- else -%}
{%- set columns = ['date', 'datetime', 'user_id', 'event_name', 'first_visit_date',
    'first_visit_datetime', 'hours_from_first_visit', 'days_from_first_visit'] -%},

-- stored rows replaced by a row of `final`, of a user whose first visit is new or moved,
-- or of a key event taken out of key_events
dropped_rows as (

    select
        stored.date,
        stored.user_id,
        stored.event_name
    from {{ this }} as stored
    left join final
        on
            stored.user_id = final.user_id
            and stored.event_name = final.event_name
    left join changed_users
        on stored.user_id = changed_users.user_id
    where
        final.user_id is not null
        or changed_users.user_id is not null
        or stored.event_name not in ('{{ (key_events + [first_visit_event]) | join("', '") }}')

),

touched_dates as (

    select final.date from final
    union distinct
    select dropped_rows.date from dropped_rows

),

-- the other stored rows of the touched partitions, written back unchanged
kept_rows as (

    select
        {%- for column in columns %}
        stored.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ this }} as stored
    inner join touched_dates
        on stored.date = touched_dates.date
    left join dropped_rows
        on
            stored.user_id = dropped_rows.user_id
            and stored.event_name = dropped_rows.event_name
    where
        dropped_rows.user_id is null
        -- a tombstone left by an interrupted run is not kept
        and stored.event_name is not null

),

-- touched partitions left without any row: one tombstone row each (event_name null), so
-- that the overwrite empties them; the post-hook drops them
emptied_dates as (

    select touched_dates.date
    from touched_dates
    left join (
        select final.date from final
        union distinct
        select kept_rows.date from kept_rows
    ) as written
        on touched_dates.date = written.date
    where written.date is null

)

select {{ columns | join(', ') }} from final
union all
select {{ columns | join(', ') }} from kept_rows
union all
select
    emptied_dates.date,
    cast(null as timestamp) as datetime,
    cast(null as string) as user_id,
    cast(null as string) as event_name,
    cast(null as date) as first_visit_date,
    cast(null as timestamp) as first_visit_datetime,
    cast(null as int) as hours_from_first_visit,
    cast(null as int) as days_from_first_visit
from emptied_dates
{%- endif %}
{%- endmacro %}


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


{#- Model configuration. Each run writes at most one row per (user_id, event_name), which
    replaces the stored row of that key (delete+insert; on DuckDB far cheaper than a MERGE
    that updates every column); a post-hook removes rows that no run re-emits: key events
    taken out of `key_events`, and rows of a user whose first visit moved (they carry the
    old first visit). Override any of it with a config() call placed after the macro call
    in the model file. -#}
{% macro _first_activation_config(key_events, first_visit_event) %}
    {%- set cleanup = adapter.dispatch('_first_activation_cleanup', 'dbt_activation')(
        key_events, first_visit_event) -%}
    {{ return(adapter.dispatch('_first_activation_config', 'dbt_activation')(cleanup)) }}
{% endmacro %}

{#- The stored rows (aliased `stored`) that no run re-emits. `this` stays unrendered: the
    post-hook is rendered when it runs. -#}
{% macro _first_activation_stale_rows(key_events, first_visit_event) -%}
    stored.event_name not in ('{{ (key_events + [first_visit_event]) | join("', '") }}')
    or exists (
        select 1
        from {{ '{{ this }}' }} as current_first_visit
        where
            current_first_visit.event_name = '{{ first_visit_event }}'
            and current_first_visit.user_id = stored.user_id
            and current_first_visit.first_visit_datetime <> stored.first_visit_datetime
    )
{%- endmacro %}

{% macro default___first_activation_cleanup(key_events, first_visit_event) -%}
    delete from {{ '{{ this }}' }} as stored
    where {{ dbt_activation._first_activation_stale_rows(key_events, first_visit_event) }}
{%- endmacro %}

{#- BigQuery: the same rows removed with MERGE ... WHEN MATCHED THEN DELETE, valid BigQuery
    DML that the BigQuery API emulator of the test suite also runs (it has no DELETE). -#}
{% macro bigquery___first_activation_cleanup(key_events, first_visit_event) -%}
    merge into {{ '{{ this }}' }} as target
    using (
        select stored.user_id, stored.event_name
        from {{ '{{ this }}' }} as stored
        where {{ dbt_activation._first_activation_stale_rows(key_events, first_visit_event) }}
    ) as stale
        on target.user_id = stale.user_id and target.event_name = stale.event_name
    when matched then delete
{%- endmacro %}

{#- Spark (no DELETE): the rows to remove are left out of the partitions a run rewrites
    (spark___first_activation_output); a partition left with no row at all gets a tombstone
    row instead (a dynamic overwrite leaves a partition absent from the output as it was),
    and this post-hook drops the partitions holding tombstones. -#}
{% macro spark___first_activation_cleanup(key_events, first_visit_event) -%}
    {{ '{{ dbt_activation._first_activation_drop_emptied_partitions() }}' }}
{%- endmacro %}

{#- Spark post-hook: `alter table ... drop partition` for each `date` partition that the run
    emptied (its only row is the tombstone, event_name null); nothing when there is none. -#}
{% macro _first_activation_drop_emptied_partitions() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {#- only partitions holding nothing but tombstones: never one with rows beside a tombstone
        (left by an interrupted run, and not kept by the next run that rewrites the date) -#}
    {%- set dates = run_query(
        'select date from ' ~ this ~ ' group by date having count(event_name) = 0').columns[0].values() | list -%}
    {%- if dates | length == 0 -%}
        {{ return('') }}
    {%- endif -%}
    {{ log("first_activation_events " ~ this ~ ": dropping emptied partitions " ~ dates | join(', '),
        info=true) }}
    {%- set partitions = [] -%}
    {%- for day in dates -%}
        {%- do partitions.append("partition (date = '" ~ day.strftime('%Y-%m-%d') ~ "')") -%}
    {%- endfor -%}
    {{ return('alter table ' ~ this ~ ' drop if exists ' ~ partitions | join(', ')) }}
{% endmacro %}

{% macro default___first_activation_config(cleanup) %}
    {%- do config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['user_id', 'event_name'],
        post_hook=[cleanup],
    ) -%}
{% endmacro %}

{#- BigQuery: merge (dbt-bigquery has no delete+insert); partitioned by the event date and
    clustered by the key, so a reader's filter on date and event_name prunes what it scans. -#}
{% macro bigquery___first_activation_config(cleanup) %}
    {%- do config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['user_id', 'event_name'],
        partition_by={'field': 'date', 'data_type': 'date', 'granularity': 'day'},
        cluster_by=['event_name', 'user_id'],
        post_hook=[cleanup],
    ) -%}
{% endmacro %}

{#- Spark (parquet, no MERGE): dynamic insert_overwrite of the `date` partitions the run
    emits (every row of each: see spark___first_activation_output); the post-hook drops the
    partitions the run emptied. -#}
{% macro spark___first_activation_config(cleanup) %}
    {%- do dbt_activation._require_utc_process('first_activation_events') -%}
    {%- do config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        file_format='parquet',
        partition_by=['date'],
        post_hook=[cleanup],
    ) -%}
{% endmacro %}
