{#- activation_states, reads: the CTEs of the activity read (up to the watermark) and of the
    active periods, one row per user and period up to the as-of period, with the attributes'
    first values. On a windowed run (see _activation_states_plan): the activity since the
    first day read, the users whose rows are rewritten, and the first rewritten period's
    stored active rows when that period began before the first day read. -#}
{% macro _activation_states_reads(plan, configuration, inputs) %}
{%- set grain, week_start, attributes = configuration.grain, configuration.week_start, configuration.attributes -%}
{%- set windowed = plan.first_rewritten_period is not none -%}
{%- set partly_read = plan.first_period_partly_read -%}
{%- set first_rewritten_period = dbt_activation._date_literal(plan.first_rewritten_period) if windowed else none -%}

activity as (

    {{ dbt_activation._activity_read(configuration, inputs, plan.first_instant_read, plan.watermark_at,
        with_instant=attributes | length > 0) }}

),

activity_periods as (

    select
        *,
        {{ dbt_activation._period_start('active_at', grain, week_start) }} as period_start
    from activity

),

-- one row per user and active period up to the as-of period (on a windowed run, of the
-- activity since the first day read)
{{ 'periods_read' if partly_read else 'active_periods' }} as (

    select
        activity_periods.user_id,
        activity_periods.period_start
        {%- for attribute in attributes %},
        {{ dbt_activation._first_value(
            'activity_periods.' ~ attribute, 'activity_periods.activity_instant') }} as {{ attribute }}
        {%- endfor %}
    from activity_periods
    where
        activity_periods.period_start
        <= {{ dbt_activation._activation_states_as_of_period(plan, configuration, inputs) }}
        {%- if windowed %}
        and {{ dbt_activation._period_start('activity_periods.active_at', 'day') }}
        >= {{ dbt_activation._date_literal(plan.first_day_read) }}
        {%- endif %}
    group by activity_periods.user_id, activity_periods.period_start

),
{%- if windowed %}

-- the users whose rows from the first rewritten period on are rewritten: those active since
-- the first day read. No other user's rows change, but for the churn row of a period this
-- run adds (see churn_rows)
rewritten_users as (

    select distinct user_id from {{ 'periods_read' if partly_read else 'active_periods' }}
    {%- if dbt_activation._activation_states_rewrites_whole_periods() %}

    union distinct

    -- this engine rewrites whole periods: every user with a row in them
    select user_id
    from {{ this }}
    where period_start >= {{ first_rewritten_period }}
    {%- endif %}

),
{%- endif %}
{%- if partly_read %}

-- the first rewritten period began before the first day read: its earlier activity is not
-- read again, it is in the period's stored active rows
stored_first_period as (

    select
        stored_row.user_id,
        stored_row.period_start
        {%- for attribute in attributes %},
        stored_row.{{ attribute }}
        {%- endfor %}
    from {{ this }} as stored_row
    inner join rewritten_users
        on stored_row.user_id = rewritten_users.user_id
    where stored_row.period_start = {{ first_rewritten_period }} and stored_row.is_active

),
{%- if attributes %}

-- which attributes have a value in the first rewritten period before the first day read (the
-- stored first value is then the period's; otherwise the first value read since is), for the
-- users active in that period both before and since the first day read whose stored and
-- newly read first values differ for some attribute: for the others either value is the
-- period's (see active_periods), so only their activity of that period is read again
values_before_first_day as (

    select
        earlier.user_id
        {%- for attribute in attributes %},
        count(earlier.{{ attribute }}) as values_before_{{ loop.index }}
        {%- endfor %}
    from (
        {{ dbt_activation._activity_read(configuration, inputs, plan.first_period_scan_from,
            plan.first_period_scan_until, until_inclusive=false) }}
    ) as earlier
    inner join periods_read
        on earlier.user_id = periods_read.user_id
    inner join stored_first_period
        on earlier.user_id = stored_first_period.user_id
    where
        periods_read.period_start = {{ first_rewritten_period }}
        and (
            {%- for attribute in attributes %}
            {{ 'or ' if not loop.first }}periods_read.{{ attribute }} <> stored_first_period.{{ attribute }}
            {%- endfor %}
        )
        and {{ dbt_activation._period_start('earlier.active_at', 'day') }} >= {{ first_rewritten_period }}
        and {{ dbt_activation._period_start('earlier.active_at', 'day') }}
        < {{ dbt_activation._date_literal(plan.first_day_read) }}
    group by earlier.user_id

),
{%- endif %}

-- the active periods from the first rewritten period on: those read and the stored ones of
-- the first rewritten period
active_periods as (
    {%- if attributes %}

    select
        coalesce(periods_read.user_id, stored_first_period.user_id) as user_id,
        coalesce(periods_read.period_start, stored_first_period.period_start) as period_start
        {%- for attribute in attributes %},
        {#- two different values: the stored one if the period has a value before the first
            day read (the one read is then later), else the one read (late data included); a
            null stored value: the one read; a null value read: the stored one; the same
            value: the stored one (not the one read, should the engine compare e.g.
            case-insensitively) -#}
        case
            when stored_first_period.user_id is null then periods_read.{{ attribute }}
            when periods_read.user_id is null or values_before_first_day.values_before_{{ loop.index }} > 0
                then stored_first_period.{{ attribute }}
            when periods_read.{{ attribute }} <> stored_first_period.{{ attribute }}
                then periods_read.{{ attribute }}
            else coalesce(stored_first_period.{{ attribute }}, periods_read.{{ attribute }})
        end as {{ attribute }}
        {%- endfor %}
    from periods_read
    full outer join stored_first_period
        on
            periods_read.user_id = stored_first_period.user_id
            and periods_read.period_start = stored_first_period.period_start
    left join values_before_first_day
        on stored_first_period.user_id = values_before_first_day.user_id
    {%- else %}

    select
        user_id,
        period_start
    from periods_read

    union distinct

    select
        user_id,
        period_start
    from stored_first_period
    {%- endif %}

),
{%- endif %}
{% endmacro %}


{#- The activity read from the source: the user, the attributes, the local time (and the
    instant, for first values), at or after `read_from` (a datetime; none: from the start;
    see _scan_since) and up to `read_until` (a datetime, included unless until_inclusive is
    false; none: no bound). -#}
{% macro _activity_read(configuration, inputs, read_from, read_until, with_instant=false,
        until_inclusive=true) -%}
    {%- set instant = inputs.activity_instant -%}
    select
        {{ dbt_activation._as(configuration.user_id, 'user_id') }},
        {%- for attribute in configuration.attributes %}
        {{ attribute }},
        {%- endfor %}
        {%- if with_instant %}
        {{ instant }} as activity_instant,
        {%- endif %}
        {{ dbt_activation._local_timestamp(instant, configuration.timezone) }} as active_at
    from {{ inputs.source }}
    where
        {{ configuration.user_id }} is not null
        and {{ instant }} is not null
        {%- if read_from is not none %}
        and {{ dbt_activation._scan_since(instant, inputs.source_partition_column, read_from) }}
        {%- endif %}
        {%- if read_until is not none %}
        and {{ instant }} {{ '<=' if until_inclusive else '<' }} {{ dbt_activation._timestamp_literal(read_until) }}
        {%- endif %}
{%- endmacro %}


{#- The as-of period, for the SQL: a date literal or, when it could not be read at compile time
    (the source is a unit test's fixture), the period of the latest activity, in SQL. -#}
{% macro _activation_states_as_of_period(plan, configuration, inputs) -%}
    {%- if plan.as_of_period is not none -%}
        {{ dbt_activation._date_literal(plan.as_of_period) }}
    {%- else -%}
        (
            select {{ dbt_activation._period_start(dbt_activation._local_timestamp(
                'max(' ~ inputs.activity_instant ~ ')', configuration.timezone),
                configuration.grain, configuration.week_start) }}
            from {{ inputs.source }}
        )
    {%- endif -%}
{%- endmacro %}


{#- Whether an incremental run must emit every stored row of the periods it rewrites (an
    engine that overwrites whole partitions), not only the rows of the users it touches. -#}
{% macro _activation_states_rewrites_whole_periods() %}
    {{ return(adapter.dispatch('_activation_states_rewrites_whole_periods', 'dbt_activation')()) }}
{% endmacro %}

{% macro default___activation_states_rewrites_whole_periods() %}
    {{ return(false) }}
{% endmacro %}

{#- Spark overwrites whole partitions (insert_overwrite on period_start). -#}
{% macro spark___activation_states_rewrites_whole_periods() %}
    {{ return(true) }}
{% endmacro %}
