{% macro _activation_state_columns() %}
    {{ return(['period_start', 'user_id', 'activation_state', 'previous_state', 'state_transition',
        'is_active', 'active_streak', 'periods_since_last_active', 'inactive_periods',
        'first_active_period', 'lifetime_active_periods']) }}
{% endmacro %}


{#- Model configuration: each run's rows replace the stored rows of their key (user_id,
    period_start): delete+insert (on DuckDB far cheaper than a MERGE that updates every
    column). Override with a config() call placed after the macro call in the model file. -#}
{% macro _activation_states_config(grain) %}
    {{ return(adapter.dispatch('_activation_states_config', 'dbt_activation')(grain)) }}
{% endmacro %}


{% macro default___activation_states_config(grain) %}
    {%- do config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['user_id', 'period_start'],
    ) -%}
{% endmacro %}


{#- BigQuery: merge (dbt-bigquery has no delete+insert); partitioned by period (monthly
    partitions for a monthly grain) and clustered by user. -#}
{% macro bigquery___activation_states_config(grain) %}
    {%- do config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['user_id', 'period_start'],
        partition_by={'field': 'period_start', 'data_type': 'date',
                      'granularity': 'month' if grain == 'month' else 'day'},
        cluster_by=['user_id'],
    ) -%}
{% endmacro %}


{#- Spark (parquet, no MERGE): dynamic insert_overwrite of the period_start partitions a run
    emits. Every stored row from w0 on belongs to a user the run touches and is re-emitted,
    so those partitions are rewritten whole. -#}
{% macro spark___activation_states_config(grain) %}
    {%- do dbt_activation._require_utc_process('activation_states') -%}
    {%- do config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        file_format='parquet',
        partition_by=['period_start'],
    ) -%}
{% endmacro %}
