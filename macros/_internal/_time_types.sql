{#- Time columns: the macros take instants. A column is read as a UTC instant whatever the
    session time zone: a timestamp without time zone holds UTC, a timestamp with time zone
    (BigQuery TIMESTAMP) is an instant, a date is its midnight UTC. Any other type is refused
    at compile time. -#}

{#- SQL for the UTC instant of `column` of `relation`, after checking its type: a timestamp
    without time zone holding UTC on DuckDB, PostgreSQL and Spark, a TIMESTAMP on BigQuery. When the
    type cannot be read at compile time (a unit test's fixture), the column as it is. -#}
{% macro _instant_column(macro_name, argument, relation, column) %}
    {%- if not dbt_activation._is_queryable(relation) -%}
        {{ return(column) }}
    {%- endif -%}
    {%- set existing = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier) -%}
    {%- if existing is none -%}
        {{ return(column) }}
    {%- endif -%}
    {%- set found = [] -%}
    {%- for candidate in adapter.get_columns_in_relation(existing) if candidate.name | lower == column | lower -%}
        {%- do found.append(candidate.data_type) -%}
    {%- endfor -%}
    {%- set data_type = found | first if found else none -%}
    {%- set kind = adapter.dispatch('_time_kind', 'dbt_activation')(data_type | string | lower) -%}
    {%- if kind is none -%}
        {{ exceptions.raise_compiler_error(
            macro_name ~ ": " ~ argument ~ " must name a timestamp, timestamp with time zone or date column;"
            ~ " column " ~ dbt_activation._shown(column) ~ " of " ~ relation ~ " is " ~ data_type
            ~ " (cast it in a staging model, e.g. to a timestamp holding UTC)") }}
    {%- endif -%}
    {{ return(adapter.dispatch('_instant_sql', 'dbt_activation')(column, kind)) }}
{% endmacro %}


{#- The kind of a column type: 'timestamp' (no time zone: holds UTC), 'instant' (with time
    zone), 'date', 'other_precision' (a timestamp of another precision than the microsecond:
    cast, as the watermark is compared to the microsecond), or none (refused). -#}
{% macro default___time_kind(data_type) %}
    {%- if data_type in ['timestamp with time zone', 'timestamptz'] -%}
        {{ return('instant') }}
    {%- elif data_type in ['timestamp', 'timestamp without time zone'] -%}
        {{ return('timestamp') }}
    {%- elif data_type.startswith('timestamp') -%}
        {{ return('other_precision') }}
    {%- elif data_type == 'date' -%}
        {{ return('date') }}
    {%- endif -%}
    {{ return(none) }}
{% endmacro %}

{#- BigQuery: TIMESTAMP is an instant; a DATETIME has no time zone and is refused (which zone
    it holds is the user's to say, in a staging model). -#}
{% macro bigquery___time_kind(data_type) %}
    {{ return({'timestamp': 'instant', 'date': 'date'}.get(data_type)) }}
{% endmacro %}

{#- Spark: `timestamp` is an instant (read in the session time zone, UTC), `timestamp_ntz` a
    timestamp without time zone. -#}
{% macro spark___time_kind(data_type) %}
    {{ return({'timestamp': 'instant', 'timestamp_ntz': 'timestamp', 'date': 'date'}.get(data_type)) }}
{% endmacro %}


{#- SQL for the UTC instant of a column of a kind: a timestamp without time zone on DuckDB,
    PostgreSQL and Spark, a TIMESTAMP on BigQuery. -#}
{% macro default___instant_sql(column, kind) %}
    {%- if kind == 'instant' -%}
        {{ return('(' ~ column ~ " at time zone 'UTC')") }}
    {%- elif kind in ['date', 'other_precision'] -%}
        {{ return('cast(' ~ column ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}
    {%- endif -%}
    {{ return(column) }}
{% endmacro %}

{#- BigQuery: TIMESTAMP is the instant type; a date's midnight UTC is timestamp(date). -#}
{% macro bigquery___instant_sql(column, kind) %}
    {{ return('timestamp(' ~ column ~ ')' if kind == 'date' else column) }}
{% endmacro %}

{#- Spark: the session time zone is UTC (see _require_utc_process), so a cast reads a date or
    a timestamp_ntz as UTC. -#}
{% macro spark___instant_sql(column, kind) %}
    {{ return(column if kind == 'instant' else 'cast(' ~ column ~ ' as timestamp)') }}
{% endmacro %}
