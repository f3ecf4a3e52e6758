{#-
    unique_combination_of_columns: no two rows of the model share the same values of all
    the given columns. Returns one row per duplicated combination, with the number of rows
    that share it (n_records), so the failure count is the number of duplicated
    combinations. Rows where any of the columns is null are compared like other rows (null
    groups with null), as a grain key should have no nulls: test those with not_null.
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- set macro_name = 'unique_combination_of_columns' -%}
    {%- set combination_of_columns = dbt_activation._validate_string_list(
        macro_name, 'combination_of_columns', combination_of_columns) -%}
    {{ return(adapter.dispatch('test_unique_combination_of_columns', 'dbt_activation')(
        model, combination_of_columns)) }}
{% endtest %}


{#- One aggregate over the model, grouped by the given columns or expressions; a plain column
    keeps its name in the failing rows, an expression is named combination_<its position>. -#}
{% macro default__test_unique_combination_of_columns(model, combination_of_columns) %}

select
    {%- for column in combination_of_columns %}
    {{ column }} as {{ column if modules.re.match('^[A-Za-z_][A-Za-z0-9_]*$', column)
        else 'combination_' ~ loop.index }},
    {%- endfor %}
    count(*) as n_records
from {{ model }}
group by
    {%- for column in combination_of_columns %}
    {{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
having count(*) > 1
{% endmacro %}
