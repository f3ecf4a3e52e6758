{#- activation_states, carried state per user: a table `<model>__user_state` beside the model,
    one row per user who was ever active before its boundary: the user's latest active period
    before it, with its state, streak, active periods so far and first active period, which a
    run continues the user from. A marker row (user_id null) holds the boundary
    (carried_until). A windowed run needs the table at its first rewritten period: its
    pre-hooks fold into it the stored rows from the boundary up to that period (a read bounded
    on period_start both ways), or, when it is missing or ahead of that period, rebuild it from
    every stored row before that period (one scan). A full build's post-hooks build it for the
    next run's first rewritten period. Each step is idempotent and the marker moves last, so a
    run interrupted between steps (BigQuery, Spark) leaves a table the next run completes or
    rebuilds. See docs/decisions/adr-0005-carried-state.md. -#}

{% macro _states_user_state_relation() %}
    {{ return(this.incorporate(path={'identifier': this.identifier ~ '__user_state'}, type='table')) }}
{% endmacro %}


{#- The columns of the user-state table, in order. -#}
{% macro _states_user_state_columns() %}
    {{ return(['user_id', 'last_active_period', 'last_active_state', 'last_active_streak',
               'lifetime_active_periods', 'first_active_period', 'carried_until']) }}
{% endmacro %}


{#- `select` of each user's latest active row of `relation` (a model built by activation_states)
    with period_start from `from_period` (none: the start) up to, not including, `to_period`
    (SQL date literals), as user-state rows. -#}
{% macro _states_latest_active_rows(relation, from_period, to_period) -%}
    select
        user_id,
        period_start as last_active_period,
        activation_state as last_active_state,
        active_streak as last_active_streak,
        lifetime_active_periods,
        first_active_period,
        cast(null as date) as carried_until
    from (
        select
            stored_row.user_id,
            stored_row.period_start,
            stored_row.activation_state,
            stored_row.active_streak,
            stored_row.lifetime_active_periods,
            stored_row.first_active_period,
            row_number() over (partition by stored_row.user_id order by stored_row.period_start desc) as recency
        from {{ relation }} as stored_row
        where
            stored_row.is_active
            and stored_row.period_start < {{ to_period }}
            {%- if from_period is not none %}
            and stored_row.period_start >= {{ from_period }}
            {%- endif %}
    ) as ranked
    where recency = 1
{%- endmacro %}


{#- The marker row: the boundary. -#}
{% macro _states_user_state_marker(boundary) -%}
    select
        null as user_id,
        cast(null as date) as last_active_period,
        cast(null as {{ dbt.type_string() | lower }}) as last_active_state,
        cast(null as {{ dbt.type_bigint() }}) as last_active_streak,
        cast(null as {{ dbt.type_bigint() }}) as lifetime_active_periods,
        cast(null as date) as first_active_period,
        {{ boundary }} as carried_until
{%- endmacro %}


{#- The table's state, read when a hook runs: {'exists', 'boundary' (a date or none)}. -#}
{% macro _states_user_state_read(relation) %}
    {%- if adapter.get_relation(database=relation.database, schema=relation.schema,
            identifier=relation.identifier) is none -%}
        {{ return({'exists': false, 'boundary': none}) }}
    {%- endif -%}
    {%- set rows = run_query('select max(carried_until) from ' ~ relation ~ ' where user_id is null').rows -%}
    {{ return({'exists': true, 'boundary': dbt_activation._as_date(rows[0][0]) if rows else none}) }}
{% endmacro %}


{#- Hooks, rendered when they run: `phase` 'pre' brings the table to this windowed run's first
    rewritten period, 'post' builds it after a full computation for the next run's. The
    statements are decided once, by the phase's first hook, from the table as it is then
    (dbt's relation cache would not see a table the hooks drop), and kept on the node for the
    others: hook `index` renders the statement of that rank, or nothing. -#}
{% macro _states_user_state_hook(phase, index) %}
    {%- set plan = dbt_activation._run_state_from_sql() if execute else none -%}
    {%- if plan is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set key = '_dbt_activation_user_state_' ~ phase -%}
    {%- if index == 0 or key not in model -%}
        {%- do model.update({key: dbt_activation._states_user_state_statements(plan, phase)}) -%}
    {%- endif -%}
    {%- set statements = model[key] -%}
    {{ return(statements[index] if index < statements | length else '') }}
{% endmacro %}

{% macro _states_user_state_hooks(phase) %}
    {%- set hooks = [] -%}
    {%- for index in range(4) -%}
        {%- do hooks.append("{{ dbt_activation._states_user_state_hook('" ~ phase ~ "', " ~ index ~ ") }}") -%}
    {%- endfor -%}
    {{ return(hooks) }}
{% endmacro %}


{#- The statements of a phase (see _states_user_state_hook), in order: none; a rebuild from every
    stored row before the target (the table missing, without a boundary or ahead of the
    target, or after a full computation); or a fold of the rows from the boundary. -#}
{% macro _states_user_state_statements(plan, phase) %}
    {%- set windowed = plan.details.get('first_rewritten_period') is not none -%}
    {%- set target = plan.details.get('first_rewritten_period' if phase == 'pre' else 'next_first_rewritten_period') -%}
    {%- if target is none or (phase == 'pre') != windowed -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set target = dbt_activation._as_date(target) -%}
    {%- set target_sql = dbt_activation._date_literal(target) -%}
    {%- set relation = dbt_activation._states_user_state_relation() -%}
    {%- set state = dbt_activation._states_user_state_read(relation) -%}
    {%- if phase == 'pre' and state.exists and state.boundary == target -%}
        {{ return([]) }}
    {%- elif phase == 'post' or not state.exists or state.boundary is none or state.boundary > target -%}
        {{ log("activation_states " ~ this ~ ": building its user state from every stored row before "
            ~ target, info=true) }}
        {{ return(['drop table if exists ' ~ relation, dbt_activation._states_user_state_create(relation,
            dbt_activation._states_latest_active_rows(this, none, target_sql)
            ~ ' union all ' ~ dbt_activation._states_user_state_marker(target_sql))]) }}
    {%- endif -%}
    {{ return(dbt_activation._states_user_state_fold(
        relation, dbt_activation._date_literal(state.boundary), target_sql)) }}
{% endmacro %}


{#- `create table` of the user-state table as `select_sql`. -#}
{% macro _states_user_state_create(relation, select_sql) %}
    {{ return('create table ' ~ relation ~ dbt_activation._run_state_table_options() ~ ' as ' ~ select_sql) }}
{% endmacro %}


{#- The statements folding the stored rows of [boundary, target) into the user-state table and
    moving its marker to target (SQL date literals), in order; the marker moves last. -#}
{% macro _states_user_state_fold(relation, boundary, target) %}
    {{ return(adapter.dispatch('_states_user_state_fold', 'dbt_activation')(relation, boundary, target)) }}
{% endmacro %}

{#- DuckDB, PostgreSQL (in the model's transaction): replace the rows of the users active in the
    range, then move the marker. -#}
{% macro default___states_user_state_fold(relation, boundary, target) %}
    {%- set columns = dbt_activation._states_user_state_columns() | join(', ') -%}
    {{ return([
        'delete from ' ~ relation ~ ' where user_id in (select user_id from ' ~ this ~ ' where is_active'
            ~ ' and period_start >= ' ~ boundary ~ ' and period_start < ' ~ target ~ ')',
        'insert into ' ~ relation ~ ' (' ~ columns ~ ') '
            ~ dbt_activation._states_latest_active_rows(this, boundary, target),
        'update ' ~ relation ~ ' set carried_until = ' ~ target ~ ' where user_id is null',
    ]) }}
{% endmacro %}

{#- BigQuery: one MERGE (the users active in the range, and the marker), atomic without a
    transaction. -#}
{% macro bigquery___states_user_state_fold(relation, boundary, target) %}
    {%- set columns = dbt_activation._states_user_state_columns() -%}
    {%- set updates = [] -%}
    {%- for column in columns[1:] -%}
        {%- do updates.append(column ~ ' = changed.' ~ column) -%}
    {%- endfor -%}
    {{ return(['merge into ' ~ relation ~ ' as kept using ('
        ~ dbt_activation._states_latest_active_rows(this, boundary, target)
        ~ ' union all ' ~ dbt_activation._states_user_state_marker(target)
        ~ ') as changed on kept.user_id = changed.user_id'
        ~ ' or (kept.user_id is null and changed.user_id is null)'
        ~ ' when matched then update set ' ~ updates | join(', ')
        ~ ' when not matched then insert (' ~ columns | join(', ') ~ ') values (changed.'
        ~ columns | join(', changed.') ~ ')']) }}
{% endmacro %}

{#- Spark (parquet: no DELETE, no MERGE; a table cannot be overwritten while it is read): the
    new rows in a table beside it, which then overwrites it (a table left from an interrupted
    run is dropped first). -#}
{% macro spark___states_user_state_fold(relation, boundary, target) %}
    {%- set next = relation.incorporate(path={'identifier': relation.identifier ~ '__next'}) -%}
    {%- set columns = dbt_activation._states_user_state_columns() | join(', ') -%}
    {{ return([
        'drop table if exists ' ~ next,
        'create table ' ~ next ~ ' using parquet as '
            ~ 'select ' ~ columns ~ ' from ' ~ relation ~ ' where user_id is not null and user_id not in ('
            ~ 'select user_id from ' ~ this ~ ' where is_active and period_start >= ' ~ boundary
            ~ ' and period_start < ' ~ target ~ ') union all '
            ~ dbt_activation._states_latest_active_rows(this, boundary, target)
            ~ ' union all ' ~ dbt_activation._states_user_state_marker(target),
        'insert overwrite table ' ~ relation ~ ' select ' ~ columns ~ ' from ' ~ next,
    ]) }}
{% endmacro %}
