{#- The output columns of activation_states, before the attributes. -#}
{% macro _activation_state_columns() %}
    {{ return(['period_start', 'user_id', 'activation_state', 'previous_state', 'state_transition',
        'is_active', 'active_streak', 'periods_since_last_active', 'inactive_periods',
        'first_active_period', 'lifetime_active_periods']) }}
{% endmacro %}


{#- Model configuration: each run's rows replace the stored rows of their key (user_id,
    period_start): delete+insert (on DuckDB far cheaper than a MERGE that updates every
    column); an attribute added or removed adds or drops its column (sync_all_columns); the
    run state is written around the run's statement (hooks). Override with a config() call
    placed after the macro call in the model file. -#}
{% macro _activation_states_config(grain) %}
    {{ return(adapter.dispatch('_activation_states_config', 'dbt_activation')(grain)) }}
{% endmacro %}

{% macro default___activation_states_config(grain) %}
    {%- do config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['user_id', 'period_start'],
        on_schema_change='sync_all_columns',
        pre_hook=dbt_activation._run_state_pre_hooks() + dbt_activation._states_user_state_hooks('pre'),
        post_hook=dbt_activation._states_user_state_hooks('post') + dbt_activation._run_state_post_hooks(),
    ) -%}
{% endmacro %}

{#- BigQuery: merge (dbt-bigquery has no delete+insert); partitioned by period (monthly
    partitions for a monthly grain) and clustered by user. -#}
{% macro bigquery___activation_states_config(grain) %}
    {%- do config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['user_id', 'period_start'],
        on_schema_change='sync_all_columns',
        partition_by={'field': 'period_start', 'data_type': 'date',
                      'granularity': 'month' if grain == 'month' else 'day'},
        cluster_by=['user_id'],
        pre_hook=dbt_activation._run_state_pre_hooks() + dbt_activation._states_user_state_hooks('pre'),
        post_hook=dbt_activation._states_user_state_hooks('post') + dbt_activation._run_state_post_hooks(),
    ) -%}
{% endmacro %}

{#- Spark (parquet, no MERGE): dynamic insert_overwrite of the period_start partitions a run
    emits. Every stored row from the first rewritten period on belongs to a user the run
    rewrites and is emitted again, so those partitions are rewritten whole. -#}
{% macro spark___activation_states_config(grain) %}
    {%- do dbt_activation._require_utc_process('activation_states') -%}
    {%- do config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        file_format='parquet',
        partition_by=['period_start'],
        on_schema_change='sync_all_columns',
        pre_hook=dbt_activation._run_state_pre_hooks() + dbt_activation._states_user_state_hooks('pre'),
        post_hook=dbt_activation._states_user_state_hooks('post') + dbt_activation._run_state_post_hooks(),
    ) -%}
{% endmacro %}


{#- Whether the engine can drop a column from the table (an attribute removed). -#}
{% macro _can_drop_columns() %}
    {{ return(adapter.dispatch('_can_drop_columns', 'dbt_activation')()) }}
{% endmacro %}

{% macro default___can_drop_columns() %}
    {{ return(true) }}
{% endmacro %}

{#- Spark: a parquet table cannot drop a column (dbt-spark refuses it). -#}
{% macro spark___can_drop_columns() %}
    {{ return(false) }}
{% endmacro %}
