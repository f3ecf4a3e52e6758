{#- dbt's incremental strategies with the run's partition bound: the MERGE (BigQuery) and the
    delete of delete+insert (DuckDB, PostgreSQL) of a model built by a dbt_activation macro
    reach only the target's rows at or after the bound the plan knows at compile time (its
    `merge_bound`: every row the run writes or replaces is there), as a literal, so BigQuery
    prunes the target's partitions and DuckDB its row groups. A user's own
    incremental_predicates are kept. These override dbt's global macros: in this repository
    (the root project) always; in a project that installs the package, once its
    dbt_project.yml puts dbt_activation before dbt in the dbt namespace's dispatch search
    order (README). Any other model is unchanged. See docs/decisions/adr-0006-merge-bound.md. -#}

{#- The predicate bounding the target (`alias`: the strategy's name for it) of the model being
    run, or none: the plan's merge_bound (column, from), read back from the compiled SQL. -#}
{% macro _merge_bound_predicate(alias) %}
    {{ return(adapter.dispatch('_merge_bound_predicate', 'dbt_activation')(alias)) }}
{% endmacro %}

{% macro default___merge_bound_predicate(alias) %}
    {%- set plan = dbt_activation._run_state_from_sql() -%}
    {%- set bound = plan.details.get('merge_bound') if plan is not none else none -%}
    {%- if not bound -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(alias ~ '.' ~ bound.column ~ ' >= ' ~ dbt_activation._date_literal(
        dbt_activation._as_date(bound['from']))) }}
{% endmacro %}


{#- incremental_predicates with the bound added. -#}
{% macro _bounded_predicates(incremental_predicates, alias) %}
    {%- set predicates = [] + (incremental_predicates or []) -%}
    {%- set bound = dbt_activation._merge_bound_predicate(alias) -%}
    {%- if bound is not none -%}
        {%- do predicates.append(bound) -%}
    {%- endif -%}
    {{ return(predicates or none) }}
{% endmacro %}


{#- BigQuery's MERGE (dbt-bigquery's merge strategy calls get_merge_sql). -#}
{% macro bigquery__get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates=none) -%}
    {{ dbt.default__get_merge_sql(target, source, unique_key, dest_columns,
        dbt_activation._bounded_predicates(incremental_predicates, 'DBT_INTERNAL_DEST')) }}
{%- endmacro %}


{#- delete+insert (DuckDB, PostgreSQL): the predicate reaches the delete. -#}
{% macro default__get_incremental_delete_insert_sql(arg_dict) -%}
    {{ get_delete_insert_merge_sql(arg_dict['target_relation'], arg_dict['temp_relation'],
        arg_dict['unique_key'], arg_dict['dest_columns'],
        dbt_activation._bounded_predicates(arg_dict['incremental_predicates'],
            dbt_activation._delete_target_alias())) }}
{%- endmacro %}

{#- The name dbt's delete+insert gives the target: DBT_INTERNAL_DEST, and DBT_INCREMENTAL_TARGET
    in dbt-duckdb's own delete (for a unique key of several columns, as the models' are). -#}
{% macro _delete_target_alias() %}
    {{ return(adapter.dispatch('_delete_target_alias', 'dbt_activation')()) }}
{% endmacro %}

{% macro default___delete_target_alias() %}
    {{ return('DBT_INTERNAL_DEST') }}
{% endmacro %}

{% macro duckdb___delete_target_alias() %}
    {{ return('DBT_INCREMENTAL_TARGET') }}
{% endmacro %}
