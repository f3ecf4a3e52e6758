{#- activation_states, reads: the CTEs of the activity read and the active periods. -#}
{% macro _activation_states_reads(plan, source, first_last, grain, user_id, activity_at, timezone, week_start, attributes, as_of, source_partition_column) %}
{%- set windowed = plan.window_start is not none -%}
{%- set int_type = dbt.type_bigint() -%}

as_of as (

    {{ dbt_activation._as_of_period_sql(first_last, grain, timezone, week_start, as_of) }}

),

activity as (

    {{ dbt_activation._activity_read(source, user_id, activity_at, timezone, attributes,
        source_partition_column, plan.scan_from, with_instant=attributes | length > 0) }}

),

activity_periods as (

    select
        activity.*,
        {{ dbt_activation._period_start('active_at', grain, week_start) }} as period_start
    from activity

),

-- one row per user and active period up to the as-of period (on incremental runs, of the
-- activity since read_from)
{{ 'fresh_periods' if plan.partial else 'active_periods' }} as (

    select
        activity_periods.user_id,
        activity_periods.period_start
        {%- for attribute in attributes %},
        {{ dbt_activation._first_value(
            'activity_periods.' ~ attribute, 'activity_periods.activity_instant') }} as {{ attribute }}
        {%- endfor %}
    from activity_periods
    inner join as_of
        on activity_periods.period_start <= as_of.as_of_period
    {%- if windowed %}
    where {{ dbt_activation._period_start('activity_periods.active_at', 'day') }} >= {{ plan.read_from }}
    {%- endif %}
    group by activity_periods.user_id, activity_periods.period_start

),
{%- if windowed %}

-- users whose rows from w0 on are rewritten: those active since read_from. No other user's
-- rows change, but for the churn row of a period this run adds (see inactive_rows)
touched_users as (

    select distinct user_id from {{ 'fresh_periods' if plan.partial else 'active_periods' }}
    {%- if dbt_activation._activation_states_rewrites_whole_periods() %}

    union distinct

    -- this engine rewrites whole periods: every user with a row in them
    select user_id
    from {{ this }}
    where period_start >= {{ plan.window_start }}
    {%- endif %}

),
{%- endif %}
{%- if plan.partial %}

-- w0 began before read_from: its activity before read_from is not read again, it is in the
-- stored active rows of w0
stored_partial as (

    select
        stored.user_id,
        stored.period_start
        {%- for attribute in attributes %},
        stored.{{ attribute }}
        {%- endfor %}
    from {{ this }} as stored
    inner join touched_users
        on stored.user_id = touched_users.user_id
    where stored.period_start = {{ plan.window_start }} and stored.is_active

),
{%- if attributes %}

-- which attributes have a value in w0 before read_from (the stored first value is then the
-- period's; otherwise the first value read since read_from is), for the users active in w0
-- both before this run and since read_from whose stored and fresh first values differ for
-- some attribute: for the others either value is the period's (see active_periods), so only
-- their activity of w0 is read again
early_values as (

    select
        early.user_id
        {%- for attribute in attributes %},
        count(early.{{ attribute }}) as early_values_{{ loop.index }}
        {%- endfor %}
    from (
        {{ dbt_activation._activity_read(source, user_id, activity_at, timezone, attributes,
            source_partition_column, plan.window_scan_from, plan.window_scan_until) }}
    ) as early
    inner join fresh_periods
        on early.user_id = fresh_periods.user_id
    inner join stored_partial
        on early.user_id = stored_partial.user_id
    where
        fresh_periods.period_start = {{ plan.window_start }}
        and (
            {%- for attribute in attributes %}
            {{ 'or ' if not loop.first }}fresh_periods.{{ attribute }} <> stored_partial.{{ attribute }}
            {%- endfor %}
        )
        and {{ dbt_activation._period_start('early.active_at', 'day') }} >= {{ plan.window_start }}
        and {{ dbt_activation._period_start('early.active_at', 'day') }} < {{ plan.read_from }}
    group by early.user_id

),
{%- endif %}

-- the active periods from w0: those read since read_from and the stored ones of w0
active_periods as (
    {%- if attributes %}

    select
        coalesce(fresh_periods.user_id, stored_partial.user_id) as user_id,
        coalesce(fresh_periods.period_start, stored_partial.period_start) as period_start
        {%- for attribute in attributes %},
        {#- two different values: the stored one if w0 has a value before read_from (the
            fresh one is then later), else the fresh one (read since read_from, late data
            included); a null stored value: the fresh one (no value before read_from); a
            null fresh value: the stored one; the same value: the stored one (not the fresh
            one, should the engine compare e.g. case-insensitively) -#}
        case
            when stored_partial.user_id is null then fresh_periods.{{ attribute }}
            when fresh_periods.user_id is null or early_values.early_values_{{ loop.index }} > 0
                then stored_partial.{{ attribute }}
            when fresh_periods.{{ attribute }} <> stored_partial.{{ attribute }}
                then fresh_periods.{{ attribute }}
            else coalesce(stored_partial.{{ attribute }}, fresh_periods.{{ attribute }})
        end as {{ attribute }}
        {%- endfor %}
    from fresh_periods
    full outer join stored_partial
        on
            fresh_periods.user_id = stored_partial.user_id
            and fresh_periods.period_start = stored_partial.period_start
    left join early_values
        on stored_partial.user_id = early_values.user_id
    {%- else %}

    select
        user_id,
        period_start
    from fresh_periods

    union distinct

    select
        user_id,
        period_start
    from stored_partial
    {%- endif %}

),
{%- endif %}
{% endmacro %}


{#- The activity read from `source`: the user, the attributes, the local time (and the instant,
    for first values), at or after `scan_from` (none: all; see _scan_since) and before the
    SQL timestamp `scan_until` (none: no bound). -#}
{% macro _activity_read(
    source, user_id, activity_at, timezone, attributes, source_partition_column, scan_from,
    scan_until=none, with_instant=false
) -%}
    select
        {{ user_id }} as user_id,
        {%- for attribute in attributes %}
        {{ attribute }},
        {%- endfor %}
        {%- if with_instant %}
        {{ activity_at }} as activity_instant,
        {%- endif %}
        {{ dbt_activation._local_timestamp(activity_at, timezone) }} as active_at
    from {{ source }}
    where
        {{ user_id }} is not null
        and {{ activity_at }} is not null
        {%- if scan_from is not none %}
        and {{ dbt_activation._scan_since(activity_at, source_partition_column, scan_from) }}
        {%- endif %}
        {%- if scan_until is not none %}
        and {{ activity_at }} < {{ scan_until }}
        {%- endif %}
{%- endmacro %}


{#- Whether an incremental run must emit every stored row of the periods it rewrites (an
    engine that overwrites whole partitions), not only the rows of the users it touches. -#}
{% macro _activation_states_rewrites_whole_periods() %}
    {{ return(adapter.dispatch('_activation_states_rewrites_whole_periods', 'dbt_activation')()) }}
{% endmacro %}


{% macro default___activation_states_rewrites_whole_periods() %}
    {{ return(false) }}
{% endmacro %}


{% macro spark___activation_states_rewrites_whole_periods() %}
    {{ return(true) }}
{% endmacro %}
