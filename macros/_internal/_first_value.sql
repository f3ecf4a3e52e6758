{#- The first non-null value of `expression` in the group, by `order_by` (ties: the
    smallest value). -#}
{% macro _first_value(expression, order_by) %}
    {{ return(adapter.dispatch('_first_value', 'dbt_activation')(expression, order_by)) }}
{% endmacro %}


{% macro default___first_value(expression, order_by) -%}
    arg_min({{ expression }}, row({{ order_by }}, {{ expression }})) filter (where {{ expression }} is not null)
{%- endmacro %}


{#- PostgreSQL has no arg_min: the first element of an ordered array. -#}
{% macro postgres___first_value(expression, order_by) -%}
    (array_agg({{ expression }} order by {{ order_by }}, {{ expression }})
        filter (where {{ expression }} is not null))[1]
{%- endmacro %}


{#- BigQuery: ARRAY_AGG ... LIMIT 1 is its arg_min (and must skip NULLs). -#}
{% macro bigquery___first_value(expression, order_by) -%}
    array_agg({{ expression }} ignore nulls order by {{ order_by }}, {{ expression }} limit 1)[safe_offset(0)]
{%- endmacro %}


{#- Spark: min_by over a struct (order, value) is its arg_min with the value as tie-break;
    the filter skips NULLs. -#}
{% macro spark___first_value(expression, order_by) -%}
    min_by({{ expression }}, struct({{ order_by }}, {{ expression }})) filter (where {{ expression }} is not null)
{%- endmacro %}
