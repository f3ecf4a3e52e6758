{#- Time primitives with one meaning on every engine. Activity timestamps are instants in
    UTC (a TIMESTAMP without time zone holding UTC on DuckDB and PostgreSQL, a TIMESTAMP on
    BigQuery); "local" values are wall-clock values in the configured time zone. -#}

{#- The wall-clock timestamp of a UTC instant in `timezone`. -#}
{% macro _local_timestamp(expression, timezone) %}
    {{ return(adapter.dispatch('_local_timestamp', 'dbt_activation')(expression, timezone)) }}
{% endmacro %}

{% macro default___local_timestamp(expression, timezone) -%}
    {%- if timezone | upper == 'UTC' -%}
        cast({{ expression }} as {{ dbt.type_timestamp() }})
    {%- else -%}
        ((cast({{ expression }} as {{ dbt.type_timestamp() }}) at time zone 'UTC') at time zone '{{ timezone }}')
    {%- endif -%}
{%- endmacro %}

{#- BigQuery: a TIMESTAMP is an instant; its wall-clock value in a zone is a DATETIME. -#}
{% macro bigquery___local_timestamp(expression, timezone) -%}
    datetime({{ expression }}, '{{ timezone }}')
{%- endmacro %}


{#- The first day (a DATE) of the period of a local timestamp or date.
    grain: 'day' | 'week' | 'month'; week_start: 'monday' | 'sunday'. -#}
{% macro _period_start(expression, grain, week_start='monday') %}
    {{ return(adapter.dispatch('_period_start', 'dbt_activation')(expression, grain, week_start)) }}
{% endmacro %}

{% macro default___period_start(expression, grain, week_start) -%}
    {%- if grain == 'day' -%}
        cast({{ expression }} as date)
    {%- elif grain == 'week' -%}
        {#- day of week: 0 = Sunday ... 6 = Saturday; step back to the week's first day -#}
        {%- set first_dow = 1 if week_start == 'monday' else 0 -%}
        cast(
            cast({{ expression }} as date)
            - cast((extract(dow from {{ expression }}) + {{ 7 - first_dow }}) % 7 as integer)
            as date
        )
    {%- else -%}
        cast({{ dbt.date_trunc('month', expression) }} as date)
    {%- endif -%}
{%- endmacro %}

{#- BigQuery: date_trunc takes the week's first day as WEEK(<weekday>). -#}
{% macro bigquery___period_start(expression, grain, week_start) -%}
    {%- if grain == 'day' -%}
        date({{ expression }})
    {%- elif grain == 'week' -%}
        date_trunc(date({{ expression }}), week({{ week_start }}))
    {%- else -%}
        date_trunc(date({{ expression }}), month)
    {%- endif -%}
{%- endmacro %}


{#- Whole periods from period start `first` to period start `second` (both DATEs). -#}
{% macro _periods_between(first, second, grain) -%}
    {%- if grain == 'day' -%}
        {{ dbt.datediff(first, second, 'day') }}
    {%- elif grain == 'week' -%}
        cast({{ dbt.datediff(first, second, 'day') }} / 7 as {{ dbt.type_int() }})
    {%- else -%}
        {{ dbt.datediff(first, second, 'month') }}
    {%- endif -%}
{%- endmacro %}


{#- The period start `periods` periods after period start `expression` (a DATE). -#}
{% macro _add_periods(expression, periods, grain) -%}
    {%- if grain == 'week' -%}
        cast({{ dbt.dateadd('day', periods * 7, expression) }} as date)
    {%- else -%}
        cast({{ dbt.dateadd(grain, periods, expression) }} as date)
    {%- endif -%}
{%- endmacro %}


{#- A SQL literal for a date or timestamp computed at compile time. -#}
{% macro _date_literal(value) -%}
    cast('{{ value.strftime("%Y-%m-%d") }}' as date)
{%- endmacro %}

{% macro _timestamp_literal(value) -%}
    cast('{{ value.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

