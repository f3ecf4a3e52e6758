{#-
    activation_first_last: the small per-user FirstLast model of an activity fact: the
    user's first and most recent activity instants (UTC), which analysts query for
    acquisition dates and recency at any grain or time zone.

    Incremental: a run reads the source from the recorded watermark minus the lookback
    (activation__lookback_days; see _activation_first_last_plan) and writes the min / max per
    user of the stored and the new values, replacing the user's row where it changes
    (delete+insert; merge on BigQuery).
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
    {%- do config(meta={'dbt_activation': {'macro': macro_name}}) -%}

    {#- what shapes the rows: recorded with each run, and compared by the next -#}
    {%- set configuration = {'source': dbt_activation._relation_name(source),
        'source_schema': dbt_activation._relation_schema(source), 'user_id': user_id,
        'activity_at': activity_at} -%}
    {%- set inputs = {
        'source': source,
        'activity_instant': dbt_activation._instant_column(macro_name, 'activity_at', source, activity_at),
        'source_partition_column': source_partition_column,
    } -%}
    {%- set plan = dbt_activation._first_last_run_plan(configuration, inputs, lookback_days) -%}
    {{ return(adapter.dispatch('activation_first_last', 'dbt_activation')(plan, configuration, inputs)) }}
{% endmacro %}


{% macro default__activation_first_last(plan, configuration, inputs) %}
{%- set incremental = plan.mode != 'full_build' -%}
{{ dbt_activation._run_state_header('activation_first_last', plan) }}
with activity as (

    select
        {{ dbt_activation._as(configuration.user_id, 'user_id') }},
        {{ inputs.activity_instant }} as activity_at
    from {{ inputs.source }}
    where
        {{ configuration.user_id }} is not null
        and {{ inputs.activity_instant }} is not null
        {%- if plan.first_instant_read is not none %}
        and {{ dbt_activation._scan_since(inputs.activity_instant, inputs.source_partition_column,
            plan.first_instant_read) }}
        {%- endif %}
        {%- if plan.watermark_at is not none %}
        and {{ inputs.activity_instant }} <= {{ dbt_activation._timestamp_literal(plan.watermark_at) }}
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
            when stored_row.first_active_at < seen.first_active_at then stored_row.first_active_at
            else seen.first_active_at
        end as first_active_at,
        case
            when stored_row.last_active_at > seen.last_active_at then stored_row.last_active_at
            else seen.last_active_at
        end as last_active_at
    from seen
    left join {{ this }} as stored_row
        on seen.user_id = stored_row.user_id
    -- only the rows that change: the lookback re-reads activity already stored
    where
        stored_row.user_id is null
        or seen.first_active_at < stored_row.first_active_at
        or seen.last_active_at > stored_row.last_active_at

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


{% macro _first_last_config() %}
    {{ return(adapter.dispatch('_first_last_config', 'dbt_activation')()) }}
{% endmacro %}

{% macro default___first_last_config() %}
    {%- do config(materialized='incremental', incremental_strategy='delete+insert', unique_key='user_id',
        pre_hook=dbt_activation._run_state_pre_hooks(), post_hook=dbt_activation._run_state_post_hooks()) -%}
{% endmacro %}

{#- BigQuery: merge (no delete+insert there); one row per user, updated anywhere by a run:
    clustered by user, not partitioned. -#}
{% macro bigquery___first_last_config() %}
    {%- do config(
        materialized='incremental', incremental_strategy='merge', unique_key='user_id',
        cluster_by=['user_id'], pre_hook=dbt_activation._run_state_pre_hooks(),
        post_hook=dbt_activation._run_state_post_hooks()) -%}
{% endmacro %}

{#- Spark (parquet, no MERGE): insert_overwrite of the whole table (one row per user, no
    partitions) from a snapshot of the stored rows, taken by a pre-hook and dropped after. -#}
{% macro spark___first_last_config() %}
    {%- do dbt_activation._require_utc_process('activation_first_last') -%}
    {%- set stored = "{{ dbt_activation._first_last_stored() }}" -%}
    {%- do config(
        materialized='incremental', incremental_strategy='insert_overwrite', file_format='parquet',
        pre_hook=['drop table if exists ' ~ stored, '{{ dbt_activation._first_last_snapshot() }}']
            + dbt_activation._run_state_pre_hooks(),
        post_hook=['drop table if exists ' ~ stored] + dbt_activation._run_state_post_hooks()) -%}
{% endmacro %}
