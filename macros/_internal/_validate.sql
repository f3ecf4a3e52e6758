{#- Argument validation shared by the public macros. Every message names the macro, the
    argument, the value received and what is allowed. -#}

{% macro _fail(macro_name, argument, value, allowed) %}
    {{ exceptions.raise_compiler_error(
        macro_name ~ ": " ~ argument ~ " must be " ~ allowed ~ "; got "
        ~ (dbt_activation._shown(value) if value is defined else "nothing (the argument is missing)")) }}
{% endmacro %}


{#- A value as JSON for a message: Jinja's tojson escapes ' < > & for HTML, undone here so that
    the message shows the value as it was written. -#}
{% macro _shown(value) %}
    {{ return((value | tojson | string) | replace("\\u0027", "'") | replace("\\u003c", "<")
        | replace("\\u003e", ">") | replace("\\u0026", "&")) }}
{% endmacro %}


{% macro _validate_choice(macro_name, argument, value, choices) %}
    {%- if value is not string or value | lower not in choices -%}
        {{ dbt_activation._fail(macro_name, argument, value,
            "one of " ~ ("'" ~ choices | join("', '") ~ "'")) }}
    {%- endif -%}
    {{ return(value | lower) }}
{% endmacro %}


{#- A column name: a plain SQL identifier (it is interpolated into SQL as is). -#}
{% macro _validate_identifier(macro_name, argument, value) %}
    {%- if value is not string or not modules.re.match('^[A-Za-z_][A-Za-z0-9_]*$', value) -%}
        {{ dbt_activation._fail(macro_name, argument, value,
            "a column name (letters, digits and underscores, not starting with a digit)") }}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}


{#- A relation argument: a ref(), source() or api.Relation, not a string. -#}
{% macro _validate_relation(macro_name, argument, value) %}
    {%- if value is none or value is string or value.identifier is not defined -%}
        {{ dbt_activation._fail(macro_name, argument, value,
            "a relation such as ref('my_model') or source('app', 'events')") }}
    {%- endif -%}
{% endmacro %}


{% macro _validate_string_list(macro_name, argument, value, allow_empty=false) %}
    {%- if value is string or value is mapping or value is not iterable -%}
        {{ dbt_activation._fail(macro_name, argument, value, "a list of strings") }}
    {%- endif -%}
    {%- if not allow_empty and value | length == 0 -%}
        {{ dbt_activation._fail(macro_name, argument, value, "a non-empty list of strings") }}
    {%- endif -%}
    {%- for item in value -%}
        {%- if item is not string or item | length == 0 -%}
            {{ dbt_activation._fail(macro_name, argument, value,
                "a list of non-empty strings") }}
        {%- endif -%}
    {%- endfor -%}
    {%- if value | unique | list | length != value | length -%}
        {{ dbt_activation._fail(macro_name, argument, value, "a list without duplicates") }}
    {%- endif -%}
    {{ return(value | list) }}
{% endmacro %}


{% macro _validate_non_negative_int(macro_name, argument, value) %}
    {%- set text = value | string -%}
    {%- if value is boolean or not modules.re.match('^[0-9]+$', text) -%}
        {{ dbt_activation._fail(macro_name, argument, value, "a whole number of days >= 0") }}
    {%- endif -%}
    {{ return(text | int) }}
{% endmacro %}


{#- A date given as 'YYYY-MM-DD' (or a date object); none passes through. -#}
{% macro _validate_date(macro_name, argument, value) %}
    {%- if value is none or value == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string -%}
    {%- set match = modules.re.match('^([0-9]{4})-([0-9]{2})-([0-9]{2})$', text) -%}
    {%- set valid = match is not none -%}
    {%- if valid -%}
        {%- set year, month, day = match.group(1) | int, match.group(2) | int, match.group(3) | int -%}
        {%- set valid = 1 <= month <= 12 and 1 <= day <= 31 -%}
        {%- if valid -%}
            {%- set next_month = modules.datetime.date(year + month // 12, month % 12 + 1, 1) -%}
            {%- set valid = day <= (next_month - modules.datetime.timedelta(days=1)).day -%}
        {%- endif -%}
    {%- endif -%}
    {%- if not valid -%}
        {{ dbt_activation._fail(macro_name, argument, value, "a date 'YYYY-MM-DD' or null") }}
    {%- endif -%}
    {{ return(text) }}
{% endmacro %}


{#- Time zones are interpolated into SQL, so only IANA-style names pass; where the engine
    can look its zones up (see _timezone_known) the name must be one of them. -#}
{% macro _validate_timezone(macro_name, argument, value) %}
    {%- if value is not string or not modules.re.match('^[A-Za-z][A-Za-z0-9_+/-]*$', value) -%}
        {{ dbt_activation._fail(macro_name, argument, value,
            "an IANA time zone name such as 'UTC' or 'Asia/Seoul'") }}
    {%- endif -%}
    {%- if dbt_activation._timezone_known(value) == false -%}
        {{ dbt_activation._fail(macro_name, argument, value,
            "a time zone this database knows, such as 'UTC' or 'Asia/Seoul'") }}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}


{#- Whether the engine knows the time zone `name` (already checked to be IANA-style): true
    or false, or none where the engine cannot look its zones up. One row is fetched, not
    the list of zones (turning ~600 names into an agate table costs more than the query). -#}
{% macro _timezone_known(name) %}
    {{ return(adapter.dispatch('_timezone_known', 'dbt_activation')(name)) }}
{% endmacro %}

{% macro default___timezone_known(name) %}
    {{ return(none) }}
{% endmacro %}

{#- DuckDB lists its ICU zones in a table function. -#}
{% macro duckdb___timezone_known(name) %}
    {{ return(dbt_activation._timezone_lookup('pg_timezone_names()', name)) }}
{% endmacro %}

{#- PostgreSQL lists its zones in a catalog view. -#}
{% macro postgres___timezone_known(name) %}
    {{ return(dbt_activation._timezone_lookup('pg_timezone_names', name)) }}
{% endmacro %}

{% macro _timezone_lookup(zones, name) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {#- names are matched as the engines match them: ignoring case -#}
    {%- set result = run_query("select count(*) from " ~ zones ~ " where lower(name) = '" ~ name | lower ~ "'") -%}
    {{ return(result.columns[0].values()[0] > 0) }}
{% endmacro %}


{#- Columns that the macro reads must exist in the relation. `pairs` is a list of
    [argument, column]. Checked when the relation exists at compile time (it does when dbt
    builds the DAG in order); skipped otherwise, and for CTEs (ephemeral models, unit-test
    fixtures), which have no schema. -#}
{% macro _validate_columns(macro_name, relation, pairs) %}
    {%- if not dbt_activation._is_queryable(relation) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set existing = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier) -%}
    {%- if existing is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set names = adapter.get_columns_in_relation(existing) | map(attribute='name')
        | map('lower') | list -%}
    {%- for argument, column in pairs -%}
        {%- if column | lower not in names -%}
            {{ exceptions.raise_compiler_error(
                macro_name ~ ": " ~ argument ~ " must name a column of " ~ relation
                ~ " (" ~ names | join(', ') ~ "); got " ~ dbt_activation._shown(column)) }}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}


{#- Whether a compile-time query may read `relation`: false while dbt parses, and for a
    CTE (an ephemeral model, or a unit-test fixture such as `this`), which has no schema. -#}
{% macro _is_queryable(relation) %}
    {{ return(execute and relation.schema is not none and relation.schema | length > 0) }}
{% endmacro %}


{#- An optional DATE partition column of `relation` (none: not given). A name that is not
    among the relation's columns fails, except BigQuery's pseudo-column _PARTITIONDATE
    (of ingestion-time partitioned tables), which no column listing shows. -#}
{% macro _validate_partition_column(macro_name, argument, relation, value) %}
    {%- if value is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- do dbt_activation._validate_identifier(macro_name, argument, value) -%}
    {%- if value | lower != '_partitiondate' -%}
        {%- do dbt_activation._validate_columns(macro_name, relation, [[argument, value]]) -%}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}


{#- Spark: dbt-spark hands timestamps to Python in the process's local time zone, and the
    compile-time plans read them as UTC; fail unless that zone is UTC (run dbt with TZ=UTC). -#}
{% macro _require_utc_process(macro_name) %}
    {%- set offset = modules.datetime.datetime.now().astimezone().utcoffset() -%}
    {%- if offset.total_seconds() != 0 -%}
        {{ exceptions.raise_compiler_error(
            macro_name ~ ": on Spark, dbt must run in the UTC time zone (set TZ=UTC): dbt-spark "
            ~ "returns timestamps in the process's local time, which is UTC"
            ~ ("%+g" | format(offset.total_seconds() / 3600)) ~ " hours here, and the incremental "
            ~ "plan would read them shifted") }}
    {%- endif -%}
{% endmacro %}


{#- The node of an activation model (built by activation_states, whose `meta` records its
    grain, timezone, week_start, as_of and attributes), found in the graph by the relation
    (or, for a generic test with a `where` config, the subquery around it; for a unit test,
    the fixture standing for it; with `--defer`, another target's relation of that name);
    none when no such node matches, or while dbt parses. -#}
{% macro _activation_model_node(activation) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = (activation | string) | lower -%}
    {#- a unit test's fixture stands for the model under dbt's CTE name -#}
    {%- set cte_name = dbt_activation._fixture_name(activation) -%}
    {%- set found = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type in ['model', 'snapshot', 'seed']
            and node.relation_name and (node.config.meta or {}).get('dbt_activation', {}).get('macro')
            == 'activation_states' -%}
        {%- set name = node.relation_name | lower -%}
        {%- if name == text or (activation.identifier is not defined and name in text)
                or (cte_name and node.name | lower == cte_name) -%}
            {%- do found.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not found and activation.identifier is defined and activation.identifier -%}
        {#- a deferred ref (dbt run --defer) names the other target's table: the one node of that name -#}
        {%- set named = [] -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model'
                and (node.config.meta or {}).get('dbt_activation', {}).get('macro') == 'activation_states'
                and (node.alias or node.name) | lower == activation.identifier | lower -%}
            {%- do named.append(node) -%}
        {%- endfor -%}
        {%- do found.extend(named if named | length == 1 else []) -%}
    {%- endif -%}
    {{ return(found | first if found else none) }}
{% endmacro %}


{#- The model name a unit test's fixture (a CTE named `__dbt__cte__<model>`) stands for;
    none for anything else. -#}
{% macro _fixture_name(relation) %}
    {%- set identifier = (relation.identifier or '') | lower if relation.identifier is defined else '' -%}
    {{ return(identifier[12:] if identifier.startswith('__dbt__cte__') else none) }}
{% endmacro %}


{#- The grain, week start and as-of date of an activation model, from its recorded
    configuration (the node's meta, _activation_model_node), which the stored table must have
    been built with (_activation_model_in_step). `grain` and `as_of`, when given, override it
    and must agree with it; for a relation not built by activation_states, `grain` is
    required. -#}
{% macro _activation_model_settings(macro_name, activation, grain=none, as_of=none) %}
    {%- if grain is not none -%}
        {%- set grain = dbt_activation._validate_choice(macro_name, 'grain', grain, ['day', 'week', 'month']) -%}
    {%- endif -%}
    {%- if not execute -%}
        {{ return({'grain': grain or 'day', 'week_start': 'monday', 'timezone': 'UTC', 'as_of': as_of}) }}
    {%- endif -%}
    {%- set node = dbt_activation._activation_model_node(activation) -%}
    {%- if node is none -%}
        {%- if grain is none -%}
            {{ exceptions.raise_compiler_error(macro_name ~ ": grain is required for " ~ activation
                ~ ", which is not a model built by dbt_activation.activation_states (its grain cannot"
                ~ " be read from its configuration); give grain='day', 'week' or 'month'") }}
        {%- endif -%}
        {{ return({'grain': grain, 'week_start': dbt_activation._activation_var('activation__week_start'),
                   'timezone': dbt_activation._activation_var('activation__timezone'), 'as_of': as_of}) }}
    {%- endif -%}
    {%- set meta = node.config.meta.dbt_activation -%}
    {%- if dbt_activation._fixture_name(activation) is none -%}
        {#- the table read: the relation given, or the node's for a `where` subquery -#}
        {%- do dbt_activation._activation_model_in_step(macro_name, node,
            activation if activation.identifier is defined else api.Relation.create(
                database=node.database, schema=node.schema, identifier=node.alias)) -%}
    {%- endif -%}
    {%- for argument, value in {'grain': grain, 'as_of': as_of}.items() -%}
        {%- if value is not none and value != meta.get(argument) -%}
            {{ exceptions.raise_compiler_error(
                macro_name ~ ": " ~ argument ~ " " ~ dbt_activation._shown(value) ~ " disagrees with the "
                ~ argument ~ " " ~ dbt_activation._shown(meta.get(argument)) ~ " that " ~ activation
                ~ " is built with; leave " ~ argument ~ " out (it is read from the model) or set it to "
                ~ dbt_activation._shown(meta.get(argument))) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return({'grain': meta.grain, 'week_start': meta.week_start, 'timezone': meta.timezone,
               'as_of': meta.as_of}) }}
{% endmacro %}


{#- Fails when `relation`, the table of the activation model `node`, was last built with
    other settings than its model now gives (its meta), e.g. a grain changed in the model file
    and not yet run, or refused: figures computed with the new settings over the stored rows
    would be wrong. Nothing to check without a recorded run state (see _run_state.sql). -#}
{% macro _activation_model_in_step(macro_name, node, relation) %}
    {%- set meta = node.config.meta.dbt_activation -%}
    {%- set recorded = dbt_activation._run_state_read(relation) -%}
    {%- set stored = recorded.complete.configuration if recorded and recorded.complete else none -%}
    {%- if stored is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set given = {'grain': meta.grain, 'timezone': meta.timezone,
        'week_start': meta.week_start if meta.grain == 'week' else none, 'as_of': meta.as_of} -%}
    {%- for setting, value in given.items() -%}
        {%- set was = stored.get(setting) -%}
        {%- if (was | string if was is not none else none) != (value | string if value is not none else none) -%}
            {{ exceptions.raise_compiler_error(macro_name ~ ": the table of " ~ node.name
                ~ " was last built with " ~ setting ~ " " ~ dbt_activation._shown(was) ~ ", but its model now gives "
                ~ setting ~ " " ~ dbt_activation._shown(value) ~ "; run that model first (dbt run --select "
                ~ node.name ~ "; a changed grain, time zone or week start, or an earlier as_of,"
                ~ " needs --full-refresh), or restore " ~ setting ~ " " ~ dbt_activation._shown(was)) }}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}


{#- `expression as name`, or the expression alone when it is already the column `name`. -#}
{% macro _as(expression, name) -%}
    {{ expression }}{{ '' if expression | lower == name | lower else ' as ' ~ name }}
{%- endmacro %}
