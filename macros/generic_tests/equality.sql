{#-
    equality: the model and compare_model hold the same rows, duplicates included: each
    distinct row (on the compared columns) occurs as many times in both. Both relations are
    grouped to (row, n_records) and compared with `except` both ways: distinct set
    operations on counted rows, as BigQuery has no `except all`. Returns one row per
    difference: in_relation ('model' or 'compare_model': the relation that has the row
    n_records times, which the other does not), the compared columns and n_records. So a
    changed value is two rows (the new one in model, the old one in compare_model), a missing
    or extra row one, a row repeated one more time two (its two counts).
-#}
{% test equality(model, compare_model, compare_columns=none) %}
    {%- set macro_name = 'equality' -%}
    {%- do dbt_activation._validate_relation(macro_name, 'compare_model', compare_model) -%}
    {%- set reserved = ['in_relation', 'n_records'] -%}
    {%- set compare_columns_given = compare_columns is not none -%}
    {%- if compare_columns is not none -%}
        {%- set compare_columns = dbt_activation._validate_string_list(
            macro_name, 'compare_columns', compare_columns) -%}
        {%- for column in compare_columns -%}
            {%- do dbt_activation._validate_identifier(macro_name, 'compare_columns', column) -%}
        {%- endfor -%}
    {%- elif not execute -%}
        {%- set compare_columns = [] -%}
    {%- elif model.identifier is not defined -%}
        {#- a generic test with a `where` config is given a subquery, whose columns cannot be read -#}
        {%- do dbt_activation._fail(macro_name, 'compare_columns', compare_columns,
            "a list of columns when the model is filtered (a `where` config)") -%}
    {%- else -%}
        {#- every column of the model, which compare_model must have too, and no other -#}
        {%- set model_columns = adapter.get_columns_in_relation(model) | map(attribute='name') | list -%}
        {%- set other_columns = adapter.get_columns_in_relation(compare_model) | map(attribute='name') | list -%}
        {%- set model_lower = model_columns | map('lower') | list -%}
        {%- set other_lower = other_columns | map('lower') | list -%}
        {%- set only_in_model, only_in_compare_model = [], [] -%}
        {%- for column in model_columns if column | lower not in other_lower -%}
            {%- do only_in_model.append(column) -%}
        {%- endfor -%}
        {%- for column in other_columns if column | lower not in model_lower -%}
            {%- do only_in_compare_model.append(column) -%}
        {%- endfor -%}
        {%- if only_in_model or only_in_compare_model -%}
            {%- do exceptions.raise_compiler_error(
                macro_name ~ ": model and compare_model must have the same columns, or give "
                ~ "compare_columns; only in model: " ~ dbt_activation._shown(only_in_model)
                ~ ", only in compare_model: " ~ dbt_activation._shown(only_in_compare_model)) -%}
        {%- endif -%}
        {%- set compare_columns = model_columns -%}
    {%- endif -%}
    {%- for column in compare_columns if column | lower in reserved -%}
        {%- do exceptions.raise_compiler_error(
            macro_name ~ ": the compared columns must not be named " ~ reserved | join(' or ')
            ~ " (the test's own output columns); got " ~ dbt_activation._shown(compare_columns)
            ~ (" (the model's columns: give compare_columns without them)" if not compare_columns_given else "")) -%}
    {%- endfor -%}
    {{ return(adapter.dispatch('test_equality', 'dbt_activation')(
        model, compare_model, compare_columns)) }}
{% endtest %}


{#- Both relations grouped to one row per distinct row with its count, then each `except`
    the other. With no columns (the relations cannot be read yet, e.g. when a linter compiles
    against an empty database) it compares row counts. -#}
{% macro default__test_equality(model, compare_model, compare_columns) %}

with model_rows as (

    select
        {%- for column in compare_columns %}
        {{ column }},
        {%- endfor %}
        count(*) as n_records
    from {{ model }}
    {%- if compare_columns %}
    group by
        {%- for column in compare_columns %}
        {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    {%- endif %}

),

compare_model_rows as (

    select
        {%- for column in compare_columns %}
        {{ column }},
        {%- endfor %}
        count(*) as n_records
    from {{ compare_model }}
    {%- if compare_columns %}
    group by
        {%- for column in compare_columns %}
        {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    {%- endif %}

),

only_in_model as (

    select * from model_rows
    {{ dbt.except() }}
    select * from compare_model_rows

),

only_in_compare_model as (

    select * from compare_model_rows
    {{ dbt.except() }}
    select * from model_rows

),

differences as (

    select
        'model' as in_relation,
        {%- for column in compare_columns %}
        {{ column }},
        {%- endfor %}
        n_records
    from only_in_model

    union all

    select
        'compare_model' as in_relation,
        {%- for column in compare_columns %}
        {{ column }},
        {%- endfor %}
        n_records
    from only_in_compare_model

)

select * from differences
{% endmacro %}
