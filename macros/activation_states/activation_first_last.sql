{#-
    activation_first_last: the small per-user FirstLast model of an activity fact: the
    user's first and most recent activity instants. One FirstLast serves every grain of the
    same source (periods are derived from the instants by activation_states).

    Incremental: a run reads the source from the latest stored activity minus the lookback
    (activation__lookback_days) and writes the min / max per user of the stored and the
    new values, replacing the user's row where it changes (delete+insert; merge on BigQuery).
-#}
{% macro activation_first_last(
    source, user_id='user_id', activity_at='datetime', lookback_days=none, source_partition_column=none
) %}
    {%- set macro_name = 'activation_first_last' -%}
    {%- do dbt_activation._validate_relation(macro_name, 'source', source) -%}
    {%- do dbt_activation._validate_identifier(macro_name, 'user_id', user_id) -%}
    {%- do dbt_activation._validate_identifier(macro_name, 'activity_at', activity_at) -%}
    {%- set lookback_days = dbt_activation._validate_non_negative_int(macro_name, 'lookback_days',
        dbt_activation._activation_var('activation__lookback_days', lookback_days)) -%}
    {%- do dbt_activation._validate_columns(macro_name, source,
        [['user_id', user_id], ['activity_at', activity_at]]) -%}
    {%- set source_partition_column = dbt_activation._validate_partition_column(
        macro_name, 'source_partition_column', source, source_partition_column) -%}
    {%- do dbt_activation._first_last_config() -%}

    {{ return(adapter.dispatch('activation_first_last', 'dbt_activation')(
        source=source, user_id=user_id, activity_at=activity_at, lookback_days=lookback_days,
        source_partition_column=source_partition_column)) }}
{% endmacro %}


{% macro default__activation_first_last(source, user_id, activity_at, lookback_days, source_partition_column) %}
{%- set incremental = is_incremental() -%}
{%- if incremental -%}
    {%- set scan_from = dbt_activation._first_last_scan_from(lookback_days) -%}
{%- endif %}

with activity as (

    select
        {{ user_id }} as user_id,
        {{ activity_at }} as activity_at
    from {{ source }}
    where
        {{ user_id }} is not null
        and {{ activity_at }} is not null
        {%- if incremental and scan_from is not none %}
        and {{ dbt_activation._scan_since(activity_at, source_partition_column, scan_from) }}
        {%- endif %}

),

seen as (

    select
        user_id,
        min(activity_at) as first_active_at,
        max(activity_at) as last_active_at
    from activity
    group by user_id

),

{{ dbt_activation._first_last_final(incremental) }}

select * from final
{% endmacro %}


{#- The CTE `final`: the rows to write, from `seen` (the activity read) and, on incremental
    runs, the stored rows. -#}
{% macro _first_last_final(incremental) %}
    {{ return(adapter.dispatch('_first_last_final', 'dbt_activation')(incremental)) }}
{% endmacro %}

{#- Merge engines: the users seen, each combined with their stored row. -#}
{% macro default___first_last_final(incremental) %}
{%- if incremental %}

final as (

    select
        seen.user_id,
        case
            when stored.first_active_at < seen.first_active_at then stored.first_active_at
            else seen.first_active_at
        end as first_active_at,
        case
            when stored.last_active_at > seen.last_active_at then stored.last_active_at
            else seen.last_active_at
        end as last_active_at
    from seen
    left join {{ this }} as stored
        on seen.user_id = stored.user_id
    -- only the rows that change: the lookback re-reads activity already stored
    where
        stored.user_id is null
        or seen.first_active_at < stored.first_active_at
        or seen.last_active_at > stored.last_active_at

)
{%- else %}

final as (

    select * from seen

)
{%- endif %}
{%- endmacro %}

{#- Spark (parquet, no MERGE) overwrites the whole table: every user, the stored rows combined
    with the activity seen, read from the snapshot of the stored rows taken by the pre-hook
    (Spark refuses to overwrite an unpartitioned table that the query reads). -#}
{% macro spark___first_last_final(incremental) %}
{%- if incremental %}

final as (

    select
        user_id,
        min(first_active_at) as first_active_at,
        max(last_active_at) as last_active_at
    from (
        select user_id, first_active_at, last_active_at from seen
        union all
        select user_id, first_active_at, last_active_at from {{ dbt_activation._first_last_stored() }}
    ) as combined
    group by user_id

)
{%- else %}

final as (

    select * from seen

)
{%- endif %}
{%- endmacro %}


{#- Spark: the snapshot of the stored rows that an incremental run reads (see above). -#}
{% macro _first_last_stored() %}
    {{ return(this.incorporate(path={'identifier': this.identifier ~ '__stored'})) }}
{% endmacro %}

{#- Spark pre-hook: snapshot the stored rows on an incremental run (drop it otherwise). -#}
{% macro _first_last_snapshot() %}
    {%- if is_incremental() -%}
        create table {{ dbt_activation._first_last_stored() }} using parquet as select * from {{ this }}
    {%- else -%}
        drop table if exists {{ dbt_activation._first_last_stored() }}
    {%- endif -%}
{% endmacro %}


{#- The first instant an incremental run reads (a datetime, none when the table is empty;
    an SQL expression in a unit test): the latest stored activity minus the lookback. -#}
{% macro _first_last_scan_from(lookback_days) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if not dbt_activation._is_queryable(this) -%}
        {#- a unit test, where `this` is a CTE: the same instant as an SQL expression -#}
        {{ return(dbt.dateadd('day', -lookback_days, '(select max(last_active_at) from ' ~ this ~ ')')) }}
    {%- endif -%}
    {%- set latest = run_query('select max(last_active_at) from ' ~ this).columns[0].values()[0] -%}
    {%- if latest is none -%}
        {{ log("activation_first_last " ~ this ~ ": table is empty, reading all activity", info=true) }}
        {{ return(none) }}
    {%- endif -%}
    {%- if latest.hour is not defined -%}
        {#- a DATE activity column -#}
        {%- set latest = modules.datetime.datetime.combine(latest, modules.datetime.time()) -%}
    {%- endif -%}
    {%- set scan_from = latest.replace(tzinfo=none) - modules.datetime.timedelta(days=lookback_days) -%}
    {{ log("activation_first_last " ~ this ~ ": incremental run reading activity since " ~ scan_from, info=true) }}
    {{ return(scan_from) }}
{% endmacro %}


{% macro _first_last_config() %}
    {{ return(adapter.dispatch('_first_last_config', 'dbt_activation')()) }}
{% endmacro %}

{% macro default___first_last_config() %}
    {%- do config(materialized='incremental', incremental_strategy='delete+insert', unique_key='user_id') -%}
{% endmacro %}

{#- BigQuery: merge (no delete+insert there); one row per user, updated anywhere by a run:
    clustered by user, not partitioned. -#}
{% macro bigquery___first_last_config() %}
    {%- do config(
        materialized='incremental', incremental_strategy='merge', unique_key='user_id',
        cluster_by=['user_id']) -%}
{% endmacro %}

{#- Spark (parquet, no MERGE): insert_overwrite of the whole table (one row per user, no
    partitions) from a snapshot of the stored rows, taken by a pre-hook and dropped after. -#}
{% macro spark___first_last_config() %}
    {%- do dbt_activation._require_utc_process('activation_first_last') -%}
    {%- set stored = "{{ dbt_activation._first_last_stored() }}" -%}
    {%- do config(
        materialized='incremental', incremental_strategy='insert_overwrite', file_format='parquet',
        pre_hook=['drop table if exists ' ~ stored, '{{ dbt_activation._first_last_snapshot() }}'],
        post_hook=['drop table if exists ' ~ stored]) -%}
{% endmacro %}
