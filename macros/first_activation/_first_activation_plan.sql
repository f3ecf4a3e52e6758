{#- first_activation_events' plan: one mode (see _internal/_incremental_plan.sql) and its
    window, decided at compile time from the recorded run state, this run's configuration and
    `new_data` (none, or {'latest_instant': the latest key event, 'earliest_changed_first_visit':
    the earliest first visit of the users new to the table or whose first visit moved}). A
    pure function, tested on a table of situations (seeds/incremental_plan/).
    A normal or key_events_changed run reads events from first_instant_read (the watermark
    minus the lookback, or the earliest changed first visit when earlier) up to the new
    watermark, and the whole history of backfill_events (key events added to key_events);
    removed_events (taken out of key_events) lose their rows in the post-hook. -#}
{% macro _first_activation_plan(incremental, recorded, configuration, lookback_days, new_data) %}
    {%- set mode = dbt_activation._plan_state_mode(incremental, recorded, configuration) -%}
    {%- set setting, added, removed = none, [], [] -%}
    {%- if mode is none -%}
        {%- set stored = recorded.complete -%}
        {%- set setting = dbt_activation._changed_setting(stored.configuration, configuration,
            ['events', 'events_schema', 'users', 'users_schema', 'user_id', 'event_name', 'event_at',
             'first_visit_at', 'first_visit_event', 'timezone']) -%}
        {%- set added = configuration.key_events | reject('in', stored.configuration.key_events) | list -%}
        {%- set removed = stored.configuration.key_events | reject('in', configuration.key_events) | list -%}
        {%- set mode = 'configuration_changed' if setting is not none
            else 'empty_table' if stored.watermark_at is none
            else 'key_events_changed' if added or removed else 'normal' -%}
    {%- endif -%}
    {%- set windowed = mode in ['normal', 'key_events_changed'] -%}
    {%- set stored_watermark = dbt_activation._as_datetime(recorded.complete.watermark_at) if windowed else none -%}
    {%- set latest = dbt_activation._as_datetime(new_data.latest_instant) if new_data else none -%}
    {%- set first_instant_read = none -%}
    {%- if windowed -%}
        {%- set candidates = [stored_watermark - modules.datetime.timedelta(days=lookback_days)] -%}
        {%- if new_data and new_data.earliest_changed_first_visit is not none -%}
            {%- do candidates.append(dbt_activation._as_datetime(new_data.earliest_changed_first_visit)) -%}
        {%- endif -%}
        {%- set first_instant_read = candidates | min -%}
    {%- endif -%}
    {#- the rows the run writes or replaces, and the stale ones its post-hook removes, are dated
        at or after the local day before the first instant read (a local day is at most one
        day before the UTC one) and the old first visit of a user whose first visit moved;
        when key events change, a backfilled key event's rows and a removed one's anywhere -#}
    {%- set merge_bound = none -%}
    {%- if mode == 'normal' -%}
        {%- set dates = [first_instant_read.date() - modules.datetime.timedelta(days=1)] -%}
        {%- if new_data and new_data.get('earliest_moved_old_first_visit') is not none -%}
            {%- do dates.append(dbt_activation._as_date(new_data.get('earliest_moved_old_first_visit'))) -%}
        {%- endif -%}
        {%- set merge_bound = {'column': 'date', 'from': dates | min | string} -%}
    {%- endif -%}
    {{ return({
        'mode': mode, 'changed_setting': setting,
        'refusal': dbt_activation._plan_refusal_message('first_activation_events', mode, recorded,
            configuration, setting) if mode in dbt_activation._plan_refusals() else none,
        'configuration': configuration,
        'run_number': (recorded.last_run_number if recorded else 0) + 1,
        'first_instant_read': first_instant_read,
        'backfill_events': added,
        'removed_events': removed,
        'watermark_at': [stored_watermark, latest] | reject('none') | max
            if stored_watermark is not none or latest is not none else none,
        'details': {'checked_key_events': configuration.key_events if mode in ['full_build', 'empty_table']
            else added, 'merge_bound': merge_bound},
    }) }}
{% endmacro %}


{#- The plan of the model being compiled, its inputs read from the database, applied. -#}
{% macro _first_activation_run_plan(configuration, inputs, lookback_days) %}
    {%- set recorded = dbt_activation._run_state_read() -%}
    {%- set incremental = is_incremental() -%}
    {%- set plan = dbt_activation._first_activation_plan(incremental, recorded, configuration, lookback_days, none) -%}
    {%- if plan.refusal is none -%}
        {%- set new_data = dbt_activation._first_activation_observe(configuration, inputs,
            plan.first_instant_read, plan.mode != 'full_build') -%}
        {%- set plan = dbt_activation._first_activation_plan(incremental, recorded, configuration, lookback_days,
            new_data) -%}
    {%- endif -%}
    {%- do dbt_activation._plan_apply('first_activation_events', plan,
        ("reading all events" if plan.first_instant_read is none
         else "reading events since " ~ plan.first_instant_read)
        ~ (", backfilling " ~ plan.backfill_events | join(', ') if plan.backfill_events else "")
        ~ (", removing " ~ plan.removed_events | join(', ') if plan.removed_events else "")) -%}
    {{ return(plan) }}
{% endmacro %}


{#- The latest key event at or after `since` (the model reads no other: first visits come
    from `users`, which may run ahead of the events), and (`incremental`) the earliest first
    visit of the users new to the table or whose first visit moved, and the earliest stored
    (old) first visit of the latter, comparing `users` with the user-state table (or, without
    it, the stored first-visit rows); none when the relations cannot be queried at compile time
    (a unit test's fixtures). -#}
{% macro _first_activation_observe(configuration, inputs, since, incremental) %}
    {%- if not dbt_activation._is_queryable(inputs.events) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set observed = {'latest_instant': dbt_activation._latest_instant(inputs.events, inputs.event_instant,
        inputs.events_partition_column, since, configuration.event_name ~ " in ('"
        ~ configuration.key_events | join("', '") ~ "')"), 'earliest_changed_first_visit': none,
        'earliest_moved_old_first_visit': none} -%}
    {%- if incremental and dbt_activation._is_queryable(this) -%}
        {%- set changed_query -%}
            select
                min(users_source.first_visit_at) as earliest_changed,
                min(case when stored_row.user_id is not null then stored_row.first_visit_datetime end)
                    as earliest_moved_old
            from (
                -- one row per user, as in the model's SQL
                select {{ configuration.user_id }} as user_id, min({{ inputs.first_visit_instant }}) as first_visit_at
                from {{ inputs.users }}
                where {{ configuration.user_id }} is not null and {{ inputs.first_visit_instant }} is not null
                group by {{ configuration.user_id }}
            ) as users_source
            left join
                {%- if dbt_activation._first_activation_user_state_exists() %}
                {{ dbt_activation._first_activation_user_state_relation() }} as stored_row
                {%- else %}
                ({{ dbt_activation._first_activation_user_state_rows(this, configuration) }}) as stored_row
                {%- endif %}
                on users_source.user_id = stored_row.user_id
            where
                stored_row.user_id is null
                or stored_row.first_visit_datetime
                <> {{ dbt_activation._local_timestamp('users_source.first_visit_at', configuration.timezone) }}
        {%- endset -%}
        {%- set row = run_query(changed_query).rows[0] -%}
        {%- do observed.update({'earliest_changed_first_visit': dbt_activation._naive_utc(row[0]),
            'earliest_moved_old_first_visit': dbt_activation._naive_utc(row[1])}) -%}
    {%- endif -%}
    {{ return(observed) }}
{% endmacro %}
