{#- The period start of a Python date, at compile time. -#}
{% macro _py_period_start(day, grain, week_start) %}
    {%- if grain == 'day' -%}
        {{ return(day) }}
    {%- elif grain == 'week' -%}
        {%- set offset = (day.weekday() + (0 if week_start == 'monday' else 1)) % 7 -%}
        {{ return(day - modules.datetime.timedelta(days=offset)) }}
    {%- else -%}
        {{ return(day.replace(day=1)) }}
    {%- endif -%}
{% endmacro %}


{#- The period start after a Python period start, at compile time. -#}
{% macro _py_next_period(period, grain) %}
    {%- if grain == 'month' -%}
        {{ return((period.replace(day=28) + modules.datetime.timedelta(days=4)).replace(day=1)) }}
    {%- endif -%}
    {{ return(period + modules.datetime.timedelta(days=7 if grain == 'week' else 1)) }}
{% endmacro %}


{#- A SQL literal for a date or timestamp computed at compile time. -#}
{% macro _date_literal(value) -%}
    cast('{{ value.strftime("%Y-%m-%d") }}' as date)
{%- endmacro %}


{#- to the microsecond: a watermark is compared with the instants it was read from -#}
{% macro _timestamp_literal(value) -%}
    cast('{{ value.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
