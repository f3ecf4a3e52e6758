{#- first_activation_events, state per user: a table `<model>__user_state` beside the model, one
    row per user with rows in it: the stored first visit (first_visit_datetime, local) and the
    key events the user has a row for (reached_key_events, '|a|b|'). A run finds the users whose
    first visit is new or moved by comparing `users` with it (two tables of one row per user),
    and knows that a key event already stored before the window needs no look at the stored
    table. A post-hook brings it up to date from the rows at or after the run's bound (the
    rows the run wrote or replaced); a full build's from every row. See
    docs/decisions/adr-0005-carried-state.md. -#}

{% macro _first_activation_user_state_relation() %}
    {{ return(this.incorporate(path={'identifier': this.identifier ~ '__user_state'}, type='table')) }}
{% endmacro %}

{#- Whether the table exists, at compile time (not in a unit test, whose `this` is a fixture). -#}
{% macro _first_activation_user_state_exists() %}
    {%- if not dbt_activation._is_queryable(this) -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set relation = dbt_activation._first_activation_user_state_relation() -%}
    {{ return(adapter.get_relation(database=relation.database, schema=relation.schema,
        identifier=relation.identifier) is not none) }}
{% endmacro %}


{#- `select` of user-state rows from the first-activation rows of `relation` with date at or
    after `bound` (a SQL date literal; none: all): per user, the first visit of their first-visit
    row (null when it is not among them) and the key events among them, in the order of
    `key_events`. -#}
{% macro _first_activation_user_state_rows(relation, configuration, bound=none) -%}
    select
        user_id,
        max(case when event_name = '{{ configuration.first_visit_event }}' then first_visit_datetime end)
            as first_visit_datetime,
        '|'
        {%- for key_event in configuration.key_events %}
        || max(case when event_name = '{{ key_event }}' then '{{ key_event }}|' else '' end)
        {%- endfor %} as reached_key_events
    from {{ relation }}
    where
        user_id is not null
        {%- if bound is not none %}
        and date >= {{ bound }}
        {%- endif %}
    group by user_id
{%- endmacro %}


{#- Whether `reached` (SQL: a reached_key_events value) holds the key event `event` (SQL). -#}
{% macro _reached(reached, event) -%}
    {{ reached }} like {{ dbt.concat(["'%|'", event, "'|%'"]) }}
{%- endmacro %}


{#- Post-hooks, rendered when they run: after a full build (or without the table) the table
    from every stored row; after another run, the users with rows at or after the plan's bound
    updated. The statements are decided once, by the first hook, and kept on the node for the
    others (see _states_user_state_hook): hook `index` renders the statement of that rank. -#}
{% macro _first_activation_user_state_hook(index) %}
    {%- set plan = dbt_activation._run_state_from_sql() if execute else none -%}
    {%- if plan is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set key = '_dbt_activation_user_state_post' -%}
    {%- if index == 0 or key not in model -%}
        {%- set relation = dbt_activation._first_activation_user_state_relation() -%}
        {%- set exists = adapter.get_relation(database=relation.database, schema=relation.schema,
            identifier=relation.identifier) is not none -%}
        {%- set bound = plan.details.get('merge_bound') -%}
        {%- if plan.mode in ['full_build', 'empty_table'] or not exists -%}
            {%- set statements = ['drop table if exists ' ~ relation, dbt_activation._states_user_state_create(
                relation, dbt_activation._first_activation_user_state_rows(this, plan.configuration))] -%}
        {%- else -%}
            {%- set statements = adapter.dispatch('_first_activation_user_state_update', 'dbt_activation')(
                relation, plan.configuration,
                none if not bound else dbt_activation._date_literal(dbt_activation._as_date(bound['from']))) -%}
        {%- endif -%}
        {%- do model.update({key: statements}) -%}
    {%- endif -%}
    {%- set statements = model[key] -%}
    {{ return(statements[index] if index < statements | length else '') }}
{% endmacro %}

{% macro _first_activation_user_state_hooks() %}
    {%- set hooks = [] -%}
    {%- for index in range(3) -%}
        {%- do hooks.append("{{ dbt_activation._first_activation_user_state_hook(" ~ index ~ ") }}") -%}
    {%- endfor -%}
    {{ return(hooks) }}
{% endmacro %}


{#- `select` of the updated rows of the users with rows at or after `bound`: a first visit
    that moved takes its new rows' key events, else the stored ones and the new ones (of the
    current key events). -#}
{% macro _first_activation_user_state_changes(relation, configuration, bound) -%}
    select
        fresh.user_id,
        coalesce(fresh.first_visit_datetime, kept.first_visit_datetime) as first_visit_datetime,
        case
            when kept.user_id is null or (fresh.first_visit_datetime is not null
                and fresh.first_visit_datetime <> kept.first_visit_datetime)
                then fresh.reached_key_events
            else '|'
                {%- for key_event in configuration.key_events %}
                || case when {{ dbt_activation._reached('kept.reached_key_events', "'" ~ key_event ~ "'") }}
                    or {{ dbt_activation._reached('fresh.reached_key_events', "'" ~ key_event ~ "'") }}
                    then '{{ key_event }}|' else '' end
                {%- endfor %}
        end as reached_key_events
    from ({{ dbt_activation._first_activation_user_state_rows(this, configuration, bound) }}) as fresh
    left join {{ relation }} as kept
        on fresh.user_id = kept.user_id
{%- endmacro %}

{#- DuckDB, PostgreSQL (15+), BigQuery: one MERGE. -#}
{% macro default___first_activation_user_state_update(relation, configuration, bound) %}
    {{ return(['merge into ' ~ relation ~ ' as kept using ('
        ~ dbt_activation._first_activation_user_state_changes(relation, configuration, bound)
        ~ ') as changed on kept.user_id = changed.user_id'
        ~ ' when matched then update set first_visit_datetime = changed.first_visit_datetime,'
        ~ ' reached_key_events = changed.reached_key_events'
        ~ ' when not matched then insert (user_id, first_visit_datetime, reached_key_events)'
        ~ ' values (changed.user_id, changed.first_visit_datetime, changed.reached_key_events)']) }}
{% endmacro %}

{#- Spark (parquet: no MERGE; a table cannot be overwritten while it is read): the new rows in a
    table beside it, which then overwrites it. -#}
{% macro spark___first_activation_user_state_update(relation, configuration, bound) %}
    {%- set next = relation.incorporate(path={'identifier': relation.identifier ~ '__next'}) -%}
    {{ return([
        'drop table if exists ' ~ next,
        'create table ' ~ next ~ ' using parquet as select kept.user_id, kept.first_visit_datetime,'
            ~ ' kept.reached_key_events from ' ~ relation ~ ' as kept left join ('
            ~ dbt_activation._first_activation_user_state_changes(relation, configuration, bound)
            ~ ') as changed on kept.user_id = changed.user_id where changed.user_id is null union all '
            ~ dbt_activation._first_activation_user_state_changes(relation, configuration, bound),
        'insert overwrite table ' ~ relation ~ ' select user_id, first_visit_datetime, reached_key_events from ' ~ next,
    ]) }}
{% endmacro %}
