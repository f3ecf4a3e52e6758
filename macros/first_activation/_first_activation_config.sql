{#- Model configuration. Each run writes at most one row per (user_id, event_name), which
    replaces the stored row of that key (delete+insert; on DuckDB far cheaper than a MERGE
    that updates every column); post-hooks remove rows that no run re-emits (rows of a user
    whose first visit moved, which carry the old first visit, and of key events taken out of
    `key_events`), warn of a key event that never occurs, bring the user state up to date and
    record the run. Override any of it with a config() call placed after the macro call in the
    model file. -#}
{% macro _first_activation_config() %}
    {{ return(adapter.dispatch('_first_activation_config', 'dbt_activation')(
        ["{{ dbt_activation._first_activation_cleanup() }}",
         "{{ dbt_activation._first_activation_check_key_events() }}"]
        + dbt_activation._first_activation_user_state_hooks()
        + dbt_activation._run_state_post_hooks())) }}
{% endmacro %}


{#- Post-hook, rendered when it runs: the statement removing the stale rows of this run's plan
    (nothing after a full build), or nothing. -#}
{% macro _first_activation_cleanup() %}
    {%- set plan = dbt_activation._run_state_from_sql() if execute else none -%}
    {%- if plan is none or plan.mode in ['full_build', 'empty_table'] -%}
        {{ return('') }}
    {%- endif -%}
    {%- set bound = plan.details.get('merge_bound') -%}
    {{ return(adapter.dispatch('_first_activation_cleanup', 'dbt_activation')(plan.configuration,
        none if not bound else dbt_activation._date_literal(dbt_activation._as_date(bound['from'])))) }}
{% endmacro %}


{#- The stored rows (aliased `stored`) that no run re-emits: of a key event no longer listed,
    or carrying another first visit than the user's first-visit row (whose first visit
    moved), at or after `bound` (none: anywhere). -#}
{% macro _first_activation_stale_rows(configuration, bound) -%}
    {%- set first_visit_event = configuration.first_visit_event -%}
    (
        stored_row.event_name not in ('{{ (configuration.key_events + [first_visit_event]) | join("', '") }}')
        or exists (
            select 1
            from {{ this }} as current_first_visit
            where
                current_first_visit.event_name = '{{ first_visit_event }}'
                and current_first_visit.user_id = stored_row.user_id
                and current_first_visit.first_visit_datetime <> stored_row.first_visit_datetime
                {%- if bound is not none %}
                and current_first_visit.date >= {{ bound }}
                {%- endif %}
        )
    )
    {%- if bound is not none %}
    and stored_row.date >= {{ bound }}
    {%- endif %}
{%- endmacro %}

{% macro default___first_activation_cleanup(configuration, bound) -%}
    {{ return('delete from ' ~ this ~ ' as stored_row where '
        ~ dbt_activation._first_activation_stale_rows(configuration, bound)) }}
{%- endmacro %}

{#- BigQuery: the same rows removed with MERGE ... WHEN MATCHED THEN DELETE, valid BigQuery
    DML that the BigQuery API emulator of the test suite also runs (it has no DELETE). -#}
{% macro bigquery___first_activation_cleanup(configuration, bound) -%}
    {{ return('merge into ' ~ this ~ ' as target using ('
        ~ 'select stored_row.user_id, stored_row.event_name, stored_row.date'
        ~ ' from ' ~ this ~ ' as stored_row where ' ~ dbt_activation._first_activation_stale_rows(configuration, bound)
        ~ ') as stale on target.user_id = stale.user_id and target.event_name = stale.event_name'
        ~ ' and target.date = stale.date' ~ (' and target.date >= ' ~ bound if bound is not none else '')
        ~ ' when matched then delete') }}
{%- endmacro %}

{#- Spark (no DELETE): the rows to remove are left out of the partitions a run rewrites
    (spark___first_activation_output); a partition left with no row at all gets a tombstone
    row instead (a dynamic overwrite leaves a partition absent from the output as it was),
    and this post-hook drops the partitions holding tombstones. -#}
{% macro spark___first_activation_cleanup(configuration, bound) -%}
    {{ return(dbt_activation._first_activation_drop_emptied_partitions(bound)) }}
{%- endmacro %}


{#- Spark post-hook: `alter table ... drop partition` for each `date` partition that the run
    emptied (its only row is the tombstone, event_name null); nothing when there is none. -#}
{% macro _first_activation_drop_emptied_partitions(bound) %}
    {#- only partitions holding nothing but tombstones: never one with rows beside a tombstone
        (left by an interrupted run, and not kept by the next run that rewrites the date); the
        run emptied only partitions at or after its bound -#}
    {%- set dates = run_query('select date from ' ~ this
        ~ (' where date >= ' ~ bound if bound is not none else '')
        ~ ' group by date having count(event_name) = 0').columns[0].values() | list -%}
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


{% macro default___first_activation_config(post_hooks) %}
    {%- do config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['user_id', 'event_name'],
        pre_hook=dbt_activation._run_state_pre_hooks(),
        post_hook=post_hooks,
    ) -%}
{% endmacro %}


{#- BigQuery: merge (dbt-bigquery has no delete+insert); partitioned by the event date and
    clustered by the key, so a reader's filter on date and event_name prunes what it scans. -#}
{% macro bigquery___first_activation_config(post_hooks) %}
    {%- do config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['user_id', 'event_name'],
        partition_by={'field': 'date', 'data_type': 'date', 'granularity': 'day'},
        cluster_by=['event_name', 'user_id'],
        pre_hook=dbt_activation._run_state_pre_hooks(),
        post_hook=post_hooks,
    ) -%}
{% endmacro %}


{#- Spark (parquet, no MERGE): dynamic insert_overwrite of the `date` partitions the run
    emits (every row of each: see spark___first_activation_output); the post-hook drops the
    partitions the run emptied. -#}
{% macro spark___first_activation_config(post_hooks) %}
    {%- do dbt_activation._require_utc_process('first_activation_events') -%}
    {%- do config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        file_format='parquet',
        partition_by=['date'],
        pre_hook=dbt_activation._run_state_pre_hooks(),
        post_hook=post_hooks,
    ) -%}
{% endmacro %}


{#- Post-hook of a full build or of a run that added key events: a warning naming each key
    event (of those) with no row in the table, e.g. a misspelt one: no user performed it at or
    after their first visit in the events read. Renders no statement. -#}
{% macro _first_activation_check_key_events() %}
    {%- set plan = dbt_activation._run_state_from_sql() if execute else none -%}
    {%- if plan is none or not plan.details.checked_key_events -%}
        {{ return('') }}
    {%- endif -%}
    {%- set checked = plan.details.checked_key_events -%}
    {%- set query -%}
        select event_name from {{ this }}
        where event_name in ('{{ checked | join("', '") }}')
        group by event_name
    {%- endset -%}
    {%- set found = run_query(query).columns[0].values() | list -%}
    {%- set missing = checked | reject('in', found) | list -%}
    {%- if missing -%}
        {%- do exceptions.warn("Warning: first_activation_events: model " ~ this.identifier ~ ": key event"
            ~ ("s " if missing | length > 1 else " ") ~ dbt_activation._shown(missing)
            ~ " never occur" ~ ("" if missing | length > 1 else "s")
            ~ " in the events read (no user performed " ~ ("them" if missing | length > 1 else "it")
            ~ " at or after their first visit); check the spelling in key_events") -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
