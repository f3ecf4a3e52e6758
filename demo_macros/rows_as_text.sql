{#- Demo project only (not part of the package): `select` of literal rows (dicts), every value
    as text (dates and timestamps ISO, none as null), one column per name of `columns`: the
    output of the models that run a compile-time macro on a table of situations. -#}
{% macro rows_as_text(rows, columns) %}
    {%- set text_type = dbt.type_string() -%}
    {%- for row in rows %}
    select
        {%- for column in columns %}
        {%- set value = row.get(column) %}
        {%- if value is none %}
        cast(null as {{ text_type }}) as {{ column }}{{ ',' if not loop.last }}
        {%- else %}
        {%- set text = value.strftime('%Y-%m-%d %H:%M:%S') if value.hour is defined
            else value.strftime('%Y-%m-%d') if value.day is defined else value | string %}
        cast('{{ text }}' as {{ text_type }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endif %}
        {%- endfor %}
    {{ 'union all' if not loop.last }}
    {%- else %}
    select
        {%- for column in columns %}
        cast(null as {{ text_type }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    where false
    {%- endfor %}
{% endmacro %}
