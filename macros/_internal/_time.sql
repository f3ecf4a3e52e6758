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

{#- Spark: no AT TIME ZONE; from_utc_timestamp reads the value as UTC (the session time zone
    is UTC) and returns the zone's wall clock. -#}
{% macro spark___local_timestamp(expression, timezone) -%}
    {%- if timezone | upper == 'UTC' -%}
        cast({{ expression }} as timestamp)
    {%- else -%}
        from_utc_timestamp(cast({{ expression }} as timestamp), '{{ timezone }}')
    {%- endif -%}
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

{#- Spark: extract(dow) counts 1 = Sunday ... 7 = Saturday (dayofweek), and trunc(..., 'MM')
    gives the month's first day as a date. -#}
{% macro spark___period_start(expression, grain, week_start) -%}
    {%- if grain == 'day' -%}
        cast({{ expression }} as date)
    {%- elif grain == 'week' -%}
        {%- set first_dow = 2 if week_start == 'monday' else 1 -%}
        date_sub(cast({{ expression }} as date), (dayofweek({{ expression }}) + {{ 7 - first_dow }}) % 7)
    {%- else -%}
        trunc({{ expression }}, 'MM')
    {%- endif -%}
{%- endmacro %}


{#- Boundaries of `datepart` ('hour', 'day' or 'month') crossed from `first` to `second`:
    dbt.datediff where it means that on the engine. -#}
{% macro _datediff(first, second, datepart) %}
    {{ return(adapter.dispatch('_datediff', 'dbt_activation')(first, second, datepart)) }}
{% endmacro %}

{% macro default___datediff(first, second, datepart) -%}
    {{ dbt.datediff(first, second, datepart) }}
{%- endmacro %}

{#- Spark: dbt's spark__datediff rounds elapsed hours up instead of counting hour boundaries,
    and raises on a null date (assert_not_null); these count boundaries and pass nulls. -#}
{% macro spark___datediff(first, second, datepart) -%}
    {%- if datepart == 'hour' -%}
        cast((unix_timestamp(date_trunc('hour', {{ second }}))
            - unix_timestamp(date_trunc('hour', {{ first }}))) / 3600 as bigint)
    {%- elif datepart == 'day' -%}
        datediff(cast({{ second }} as date), cast({{ first }} as date))
    {%- elif datepart == 'month' -%}
        cast(months_between(trunc({{ second }}, 'MM'), trunc({{ first }}, 'MM')) as int)
    {%- else -%}
        {{ dbt.datediff(first, second, datepart) }}
    {%- endif -%}
{%- endmacro %}


{#- The DATE `interval` days (or months) after the DATE `expression`. -#}
{% macro _dateadd(datepart, interval, expression) %}
    {{ return(adapter.dispatch('_dateadd', 'dbt_activation')(datepart, interval, expression)) }}
{% endmacro %}

{% macro default___dateadd(datepart, interval, expression) -%}
    cast({{ dbt.dateadd(datepart, interval, expression) }} as date)
{%- endmacro %}

{#- Spark: dbt's spark__dateadd goes through unix timestamps and assert_not_null; on dates,
    date_add and add_months are exact. -#}
{% macro spark___dateadd(datepart, interval, expression) -%}
    {%- if datepart == 'day' -%}
        date_add(cast({{ expression }} as date), {{ interval }})
    {%- elif datepart == 'month' -%}
        add_months(cast({{ expression }} as date), {{ interval }})
    {%- else -%}
        cast({{ dbt.dateadd(datepart, interval, expression) }} as date)
    {%- endif -%}
{%- endmacro %}


{#- Whole periods from period start `first` to period start `second` (both DATEs). -#}
{% macro _periods_between(first, second, grain) -%}
    {%- if grain == 'day' -%}
        {{ dbt_activation._datediff(first, second, 'day') }}
    {%- elif grain == 'week' -%}
        cast({{ dbt_activation._datediff(first, second, 'day') }} / 7 as {{ dbt.type_int() }})
    {%- else -%}
        {{ dbt_activation._datediff(first, second, 'month') }}
    {%- endif -%}
{%- endmacro %}


{#- The period start `periods` periods after period start `expression` (a DATE). -#}
{% macro _add_periods(expression, periods, grain) -%}
    {%- if grain == 'week' -%}
        {{ dbt_activation._dateadd('day', periods * 7, expression) }}
    {%- else -%}
        {{ dbt_activation._dateadd(grain, periods, expression) }}
    {%- endif -%}
{%- endmacro %}


{#- The predicate limiting a read of a source to instants at or after `scan_from` (a Python
    datetime): on the instant `activity_at` and, when the caller names the source's DATE
    partition column, also on that column, from one day earlier. A partition date is the
    instant's date in some time zone, or a load date, so it is never more than one day before
    the UTC date of the instant; the extra predicate loses no row and lets the engine prune
    partitions (BigQuery bills only the partitions read). -#}
{% macro _scan_since(activity_at, partition_column, scan_from) -%}
    {{ activity_at }} >= {{ dbt_activation._timestamp_literal(scan_from) }}
    {%- if partition_column is not none %}
    and {{ partition_column }} >= {{ dbt_activation._date_literal(
        scan_from.date() - modules.datetime.timedelta(days=1)) }}
    {%- endif -%}
{%- endmacro %}
