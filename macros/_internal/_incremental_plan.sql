{#- What the three incremental plans share: comparing the recorded configuration with this
    run's, the refusals' messages, and the line each run logs. A plan's mode is one of:
      full_build             no stored table, or --full-refresh: build every row;
      empty_table            a table whose last run read no data: read all the data;
      normal                 read from the watermark minus the lookback; rewrite what it reaches;
      key_events_changed     first_activation_events: backfill added key events, remove
                             removed ones;
      attributes_added       activation_states: rebuild every row in place, with the new column;
      attributes_removed     activation_states: a normal run that drops the column (refused
                             on an engine that cannot drop a column: Spark);
    or a refusal, which fails the run at compile time and leaves the table untouched:
      configuration_changed  a setting that shapes the stored rows differs from the recorded one;
      as_of_moved_back       activation_states: the as-of period is before a stored period;
      run_state_missing      a table without a run state (built before dbt_activation recorded
                             one, or the run-state table was dropped);
      run_state_out_of_step  the last run was interrupted with other settings than this run's. -#}

{% macro _plan_refusals() %}
    {{ return(['configuration_changed', 'as_of_moved_back', 'run_state_missing', 'run_state_out_of_step']) }}
{% endmacro %}


{#- The first of `settings` (names) whose value differs between the recorded configuration
    and this run's, or none. Names and zones compare case-insensitively, as SQL does. A
    setting the recorded configuration lacks (recorded by an earlier version of the package,
    which did not record it) is not compared. -#}
{% macro _changed_setting(stored, current, settings) %}
    {%- for setting in settings if setting in stored -%}
        {%- if dbt_activation._setting_key(stored[setting]) != dbt_activation._setting_key(current.get(setting)) -%}
            {{ return(setting) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{% endmacro %}

{% macro _setting_key(value) %}
    {%- if value is string -%}
        {{ return(value | lower) }}
    {%- elif value is iterable and value is not mapping -%}
        {{ return(value | map('lower') | list) }}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}


{#- The first mode of the plan, from the recorded state alone: full_build, a refusal about the
    run state, or none (the model's own plan decides). -#}
{% macro _plan_state_mode(incremental, recorded, configuration) %}
    {%- if not incremental -%}
        {{ return('full_build') }}
    {%- elif recorded is none or recorded.complete is none -%}
        {{ return('run_state_missing') }}
    {%- elif recorded.interrupted is not none and dbt_activation._changed_setting(
            recorded.interrupted.configuration, configuration, configuration.keys() | list) is not none -%}
        {{ return('run_state_out_of_step') }}
    {%- endif -%}
    {{ return(none) }}
{% endmacro %}


{#- The message of a refused plan: the macro, the model, the setting with its stored and
    new values, and how to recover. -#}
{% macro _plan_refusal_message(macro_name, mode, recorded, configuration, setting=none, detail=none,
        alternative=none) %}
    {%- set model_name = this.identifier or model.name -%}
    {%- set rebuild = "rebuild it with --full-refresh (dbt run --select " ~ model_name ~ " --full-refresh)" -%}
    {%- if mode == 'run_state_missing' -%}
        {%- set text = "the table " ~ this ~ " exists but has no run state in "
            ~ dbt_activation._run_state_relation()
            ~ " (it was built before dbt_activation recorded how each model is built, or that table"
            ~ " was dropped), so its settings cannot be checked; " ~ rebuild -%}
    {%- elif mode == 'run_state_out_of_step' -%}
        {%- set text = "its last run (run " ~ recorded.interrupted.run_number ~ ", "
            ~ recorded.interrupted.mode ~ ") was interrupted after it began with other settings than this run's ("
            ~ dbt_activation._shown(recorded.interrupted.configuration) ~ "), so the table may hold rows of either; "
            ~ rebuild -%}
    {%- elif mode == 'configuration_changed' -%}
        {%- set was = dbt_activation._shown(recorded.complete.configuration.get(setting)) -%}
        {%- set text = "its rows were built with " ~ setting ~ " " ~ was ~ " and this run has "
            ~ setting ~ " " ~ dbt_activation._shown(configuration.get(setting))
            ~ ": the rows already stored would not match the new ones; " ~ rebuild ~ ", or "
            ~ ("read the relation of the schema it was built from again (null: the model's own schema)"
               if setting.endswith('_schema') else "set " ~ setting ~ " back to " ~ was) -%}
    {%- else -%}
        {%- set text = detail ~ "; " ~ rebuild ~ (", or " ~ alternative if alternative else "") -%}
    {%- endif -%}
    {{ return(macro_name ~ ": model " ~ model_name ~ ": " ~ text ~ ". The table is unchanged.") }}
{% endmacro %}


{#- Fail the run if the plan is a refusal; else log the one line naming its mode and window. -#}
{% macro _plan_apply(macro_name, plan, window_text) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- elif plan.refusal is not none -%}
        {{ exceptions.raise_compiler_error(plan.refusal) }}
    {%- endif -%}
    {#- a command that compiles without running the model (compile, docs generate, show, test) -#}
    {%- set command = flags.WHICH if flags.WHICH is defined else none -%}
    {%- set compiled_only = command is not none and command not in ['run', 'build', 'retry'] -%}
    {{ log(macro_name ~ " " ~ this ~ ": " ~ plan.mode ~ " (run " ~ plan.run_number ~ "): " ~ window_text
        ~ "; watermark " ~ (plan.watermark_at or 'none')
        ~ ("; compiled only (dbt " ~ ('docs generate' if command == 'generate' else command) ~ "), nothing is written"
           if compiled_only else ""), info=true) }}
{% endmacro %}


{#- A datetime or date given as ISO text (a unit test's override), as a Python value. -#}
{% macro _as_datetime(value) %}
    {%- if value is string -%}
        {{ return(modules.datetime.datetime.fromisoformat(value)) }}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}

{% macro _as_date(value) %}
    {%- if value is string -%}
        {{ return(modules.datetime.datetime.fromisoformat(value).date() if value | length > 10
            else modules.datetime.date.fromisoformat(value)) }}
    {%- elif value is not none and value.hour is defined -%}
        {{ return(value.date()) }}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}


{#- The latest instant of `relation` (`instant`: SQL) at or after `since` (a datetime; none:
    all) among the rows where `condition` (SQL; none: all), read at compile time: a datetime,
    or none when there is none or the relation cannot be queried (a unit test's fixture). -#}
{% macro _latest_instant(relation, instant, partition_column, since, condition=none) %}
    {%- if not dbt_activation._is_queryable(relation) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select max({{ instant }}) from {{ relation }}
        where
            {{ condition or 'true' }}
            {%- if since is not none %}
            and {{ dbt_activation._scan_since(instant, partition_column, since) }}
            {%- endif %}
    {%- endset -%}
    {{ return(dbt_activation._naive_utc(run_query(query).columns[0].values()[0])) }}
{% endmacro %}


{#- The name of a relation a model reads, as recorded in its configuration: its identifier
    (in a unit test or for an ephemeral model, the name of the CTE standing for it, without
    dbt's `__dbt__cte__` prefix). -#}
{% macro _relation_name(relation) %}
    {%- set name = relation.identifier | lower -%}
    {{ return(name[12:] if name.startswith('__dbt__cte__') else name) }}
{% endmacro %}

{#- The schema of a relation a model reads, as recorded beside its name: none when it is the
    model's own (so the project built in another schema, a developer's or a CI one, records
    the same settings) or for a CTE; else the schema, so that a table of the same name in
    another schema is another source. -#}
{% macro _relation_schema(relation) %}
    {%- set schema = (relation.schema or '') | lower -%}
    {%- set fixture = ((relation.identifier or '') | lower).startswith('__dbt__cte__') -%}
    {{ return(schema if schema and not fixture and schema != (this.schema or '') | lower else none) }}
{% endmacro %}
