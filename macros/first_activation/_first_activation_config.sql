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
