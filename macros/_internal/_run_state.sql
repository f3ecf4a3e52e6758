{#- The run state of an incremental model: a table `<model>__run_state` beside the model, one
    row per run and status, written by the run's own hooks. A run writes a 'started' row
    before its rows (pre-hook) and a 'complete' row after them (post-hook); on DuckDB and
    PostgreSQL both hooks are in the model's transaction. A full build starts the table
    afresh. The plan reads the last 'complete' row (the configuration the stored rows were
    built with, the watermark) and any later 'started' row (a run interrupted after it
    began). See docs/decisions/adr-0001-run-state.md. -#}

{#- The run-state table of `model` (a relation; none: the model being built). -#}
{% macro _run_state_relation(model=none) %}
    {%- set model = this if model is none else model -%}
    {{ return(model.incorporate(path={'identifier': model.identifier ~ '__run_state'}, type='table')) }}
{% endmacro %}


{#- The recorded state, at compile time: none when there is no run-state table; else
    {'relation', 'last_run_number', 'complete', 'interrupted'}: the last 'complete' run
    ({'run_number', 'mode', 'configuration', 'watermark_at', 'details'}; none if there is
    none) and the last 'started' run after it (none if there is none: on DuckDB and
    PostgreSQL a run's hooks commit with its rows, so only an interrupted run on another
    engine leaves one). `model`: the relation whose state is read (none: the model being
    built). -#}
{% macro _run_state_read(model=none) %}
    {%- set model = this if model is none else model -%}
    {%- if not dbt_activation._is_queryable(model) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set relation = dbt_activation._run_state_relation(model) -%}
    {%- if adapter.get_relation(database=relation.database, schema=relation.schema,
            identifier=relation.identifier) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select run_number, run_status, run_mode, model_configuration, watermark_at, run_details
        from {{ relation }}
        where run_number >= (
            select coalesce(max(run_number), 0) from {{ relation }} where run_status = 'complete'
        )
        order by run_number, run_status
    {%- endset -%}
    {%- set state = {'relation': relation | string, 'last_run_number': 0, 'complete': none,
        'interrupted': none} -%}
    {%- for row in run_query(query).rows -%}
        {%- set run = {
            'run_number': row[0] | int,
            'mode': row[2],
            'configuration': fromjson(row[3]),
            'watermark_at': dbt_activation._naive_utc(row[4]),
            'details': fromjson(row[5]) if row[5] else {},
        } -%}
        {%- do state.update({'last_run_number': [state.last_run_number, run.run_number] | max}) -%}
        {%- if row[1] == 'complete' -%}
            {%- do state.update({'complete': run, 'interrupted': none}) -%}
        {%- else -%}
            {%- do state.update({'interrupted': run}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if state.complete is not none and state.interrupted is not none
            and state.interrupted.run_number == state.complete.run_number -%}
        {%- do state.update({'interrupted': none}) -%}
    {%- endif -%}
    {{ return(state) }}
{% endmacro %}


{#- A datetime read back from the database as a naive UTC datetime (BigQuery returns aware
    ones); none and dates pass through. -#}
{% macro _naive_utc(value) %}
    {%- if value is none or value.tzinfo is not defined or value.tzinfo is none -%}
        {{ return(value) }}
    {%- endif -%}
    {{ return(value.astimezone(modules.pytz.utc).replace(tzinfo=none)) }}
{% endmacro %}


{#- The line that opens a model's compiled SQL: this run's plan, as JSON in a comment, which
    the run-state hooks read back when they run (they cannot see the compile-time values
    otherwise). `*/` never appears in it: JSON allows `\/` for `/`. -#}
{% macro _run_state_header(macro_name, plan) %}
    {%- set record = {
        'macro': macro_name,
        'mode': plan.mode,
        'run_number': plan.run_number,
        'configuration': plan.configuration,
        'watermark_at': none if plan.watermark_at is none else plan.watermark_at.strftime('%Y-%m-%d %H:%M:%S.%f'),
        'details': plan.details,
    } -%}
    {{ return('/* dbt_activation run: ' ~ (tojson(record, sort_keys=true) | replace('*/', '*\\/')) ~ ' */') }}
{% endmacro %}


{#- The plan of the model being run, read back from its compiled SQL (see _run_state_header);
    none when the SQL has no header (the model did not call a dbt_activation macro). -#}
{% macro _run_state_from_sql() %}
    {%- set code = model.compiled_code if model.compiled_code is defined else none -%}
    {%- set found = modules.re.search('/\\* dbt_activation run: (.*?) \\*/', code or '') -%}
    {{ return(fromjson(found.group(1)) if found else none) }}
{% endmacro %}


{#- Hooks, rendered when they run. `step` is one of: 'create' (the table, if missing),
    'started' (a row before the model's rows), 'reset' (a full build: drop the earlier runs),
    'complete' (a row after the model's rows). Each renders one statement or nothing. -#}
{% macro _run_state_hook(step) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set plan = dbt_activation._run_state_from_sql() -%}
    {%- if plan is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set relation = dbt_activation._run_state_relation() -%}
    {%- if step == 'create' -%}
        {{ return(dbt_activation._run_state_create_sql(relation)) }}
    {%- elif step == 'reset' -%}
        {{ return('drop table if exists ' ~ relation if plan.mode == 'full_build' else '') }}
    {%- endif -%}
    {%- set string_type = dbt.type_string() -%}
    {%- set status = 'started' if step == 'started' else 'complete' -%}
    {{ return(
        'insert into ' ~ relation ~ ' (run_number, run_status, run_mode, model_configuration,'
        ~ ' watermark_at, run_details, dbt_invocation_id, recorded_at) select '
        ~ plan.run_number ~ ', '
        ~ dbt_activation._sql_string(status) ~ ', '
        ~ dbt_activation._sql_string(plan.mode) ~ ', '
        ~ dbt_activation._sql_string(tojson(plan.configuration, sort_keys=true)) ~ ', '
        ~ ('cast(null as ' ~ dbt.type_timestamp() ~ ')' if plan.watermark_at is none
           else 'cast(' ~ dbt_activation._sql_string(plan.watermark_at) ~ ' as ' ~ dbt.type_timestamp() ~ ')') ~ ', '
        ~ dbt_activation._sql_string(tojson(plan.details, sort_keys=true)) ~ ', '
        ~ dbt_activation._sql_string(invocation_id) ~ ', '
        ~ 'cast(' ~ dbt.current_timestamp() ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}
{% endmacro %}


{#- The hooks a model's configuration adds: the run state around the model's own statement. -#}
{% macro _run_state_pre_hooks() %}
    {{ return(["{{ dbt_activation._run_state_hook('create') }}",
               "{{ dbt_activation._run_state_hook('started') }}"]) }}
{% endmacro %}

{% macro _run_state_post_hooks() %}
    {{ return(["{{ dbt_activation._run_state_hook('reset') }}",
               "{{ dbt_activation._run_state_hook('create') }}",
               "{{ dbt_activation._run_state_hook('complete') }}"]) }}
{% endmacro %}


{#- `create table if not exists` of the run-state table. -#}
{% macro _run_state_create_sql(relation) %}
    {{ return(adapter.dispatch('_run_state_create_sql', 'dbt_activation')(relation)) }}
{% endmacro %}

{% macro default___run_state_create_sql(relation) %}
    {%- set string_type = dbt.type_string() -%}
    {{ return('create table if not exists ' ~ relation ~ ' (run_number ' ~ dbt.type_bigint()
        ~ ', run_status ' ~ string_type ~ ', run_mode ' ~ string_type
        ~ ', model_configuration ' ~ string_type ~ ', watermark_at ' ~ dbt.type_timestamp()
        ~ ', run_details ' ~ string_type ~ ', dbt_invocation_id ' ~ string_type
        ~ ', recorded_at ' ~ dbt.type_timestamp() ~ ')'
        ~ dbt_activation._run_state_table_options()) }}
{% endmacro %}

{% macro _run_state_table_options() %}
    {{ return(adapter.dispatch('_run_state_table_options', 'dbt_activation')()) }}
{% endmacro %}

{% macro default___run_state_table_options() %}
    {{ return('') }}
{% endmacro %}

{#- Spark: a parquet table, as the models' (no Hive text table). -#}
{% macro spark___run_state_table_options() %}
    {{ return(' using parquet') }}
{% endmacro %}


{#- A SQL string literal of `text`. -#}
{% macro _sql_string(text) %}
    {{ return(adapter.dispatch('_sql_string', 'dbt_activation')(text | string)) }}
{% endmacro %}

{% macro default___sql_string(text) %}
    {{ return("'" ~ text | replace("'", "''") ~ "'") }}
{% endmacro %}

{#- BigQuery: a backslash escapes in string literals. -#}
{% macro bigquery___sql_string(text) %}
    {{ return("'" ~ text | replace("\\", "\\\\") | replace("'", "\\'") ~ "'") }}
{% endmacro %}

{#- Spark: a backslash escapes in string literals. -#}
{% macro spark___sql_string(text) %}
    {{ return("'" ~ text | replace("\\", "\\\\") | replace("'", "\\'") ~ "'") }}
{% endmacro %}
