{#-
    activation_states: one row per user and period (day, week or month) where the user is
    active, or was active in the previous period and is not now (the churn row), with the
    state, the transition from the previous period, the current streak, the periods since
    the last active period, the length of the inactive gap, the first active period, the
    active periods so far and, optionally, attributes of the period's first activity.

    Incremental: a run reads activity from read_from (the latest day processed, as far as
    the stored table and first_last tell, minus the lookback, activation__lookback_days) and
    rewrites the periods from w0 (the period of read_from) for the users it touches: users
    active since read_from. The other users' stored rows are final, but for the churn row
    of a period the run adds, written from their stored row of the latest period. The
    activity of w0 before read_from (weeks and months) is taken from the stored active rows
    of w0. Each touched user is continued from their stored row of the
    period before w0 if active then (its state, streak, active periods so far and first
    active period), else from their latest stored inactive row before w0 (the churn after
    their last active period, with the count and the first active period); the run replaces
    their rows from w0 on (key: user_id, period_start).
-#}
{% macro activation_states(
    source,
    first_last,
    grain,
    user_id='user_id',
    activity_at='datetime',
    timezone=none,
    week_start=none,
    attributes=[],
    lookback_days=none,
    as_of=none,
    source_partition_column=none
) %}
    {%- set macro_name = 'activation_states' -%}
    {%- do dbt_activation._validate_relation(macro_name, 'source', source) -%}
    {%- do dbt_activation._validate_relation(macro_name, 'first_last', first_last) -%}
    {%- set grain = dbt_activation._validate_choice(macro_name, 'grain', grain, ['day', 'week', 'month']) -%}
    {%- do dbt_activation._validate_identifier(macro_name, 'user_id', user_id) -%}
    {%- do dbt_activation._validate_identifier(macro_name, 'activity_at', activity_at) -%}
    {%- set attributes = dbt_activation._validate_string_list(macro_name, 'attributes', attributes,
        allow_empty=true) -%}
    {#- the output columns, and the columns the SQL adds beside the attributes -#}
    {%- set reserved = dbt_activation._activation_state_columns() + ['active_at', 'activity_instant'] -%}
    {%- for attribute in attributes -%}
        {%- do dbt_activation._validate_identifier(macro_name, 'attributes', attribute) -%}
        {%- if attribute | lower in reserved -%}
            {%- do dbt_activation._fail(macro_name, 'attributes', attributes,
                'columns whose names differ from the output columns and the working columns ('
                ~ reserved | join(', ') ~ ')') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set timezone = dbt_activation._validate_timezone(macro_name, 'timezone',
        dbt_activation._activation_var('activation__timezone', timezone)) -%}
    {%- set week_start = dbt_activation._validate_choice(macro_name, 'week_start',
        dbt_activation._activation_var('activation__week_start', week_start), ['monday', 'sunday']) -%}
    {%- set lookback_days = dbt_activation._validate_non_negative_int(macro_name, 'lookback_days',
        dbt_activation._activation_var('activation__lookback_days', lookback_days)) -%}
    {%- set as_of = dbt_activation._validate_date(macro_name, 'as_of',
        dbt_activation._activation_var('activation__as_of', as_of)) -%}
    {%- set source_columns = [['user_id', user_id], ['activity_at', activity_at]] -%}
    {%- for attribute in attributes -%}
        {%- do source_columns.append(['attributes', attribute]) -%}
    {%- endfor -%}
    {%- do dbt_activation._validate_columns(macro_name, source, source_columns) -%}
    {%- set source_partition_column = dbt_activation._validate_partition_column(
        macro_name, 'source_partition_column', source, source_partition_column) -%}
    {%- do dbt_activation._validate_columns(macro_name, first_last,
        [['first_last (a model built by activation_first_last)', 'user_id'],
         ['first_last (a model built by activation_first_last)', 'first_active_at'],
         ['first_last (a model built by activation_first_last)', 'last_active_at']]) -%}

    {%- do dbt_activation._activation_states_config(grain) -%}

    {{ return(adapter.dispatch('activation_states', 'dbt_activation')(
        source=source, first_last=first_last, grain=grain, user_id=user_id,
        activity_at=activity_at, timezone=timezone, week_start=week_start,
        attributes=attributes, lookback_days=lookback_days, as_of=as_of,
        source_partition_column=source_partition_column)) }}
{% endmacro %}


{% macro _activation_state_columns() %}
    {{ return(['period_start', 'user_id', 'activation_state', 'previous_state', 'state_transition',
        'is_active', 'active_streak', 'periods_since_last_active', 'inactive_periods',
        'first_active_period', 'lifetime_active_periods']) }}
{% endmacro %}


{#- The as-of period: the period of `as_of`, or of the latest activity in first_last. -#}
{% macro _as_of_period_sql(first_last, grain, timezone, week_start, as_of) -%}
    {%- if as_of is not none -%}
        select {{ dbt_activation._period_start(dbt_activation._date_literal(
            modules.datetime.datetime.strptime(as_of, '%Y-%m-%d')), grain, week_start) }} as as_of_period
    {%- else -%}
        select {{ dbt_activation._period_start('latest_at', grain, week_start) }} as as_of_period
        from (
            select max({{ dbt_activation._local_timestamp('last_active_at', timezone) }}) as latest_at
            from {{ first_last }}
        ) as latest
    {%- endif -%}
{%- endmacro %}


{% macro default__activation_states(
    source, first_last, grain, user_id, activity_at, timezone, week_start, attributes,
    lookback_days, as_of, source_partition_column
) %}
{%- set plan = dbt_activation._activation_states_plan(
    first_last, grain, timezone, week_start, lookback_days, as_of) -%}
{%- set windowed = plan.window_start is not none -%}
{%- set int_type = dbt.type_bigint() -%}

with as_of as (

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

{%- if windowed %}

-- the rows active in the period before w0: those users continue from them (their state,
-- streak, active periods so far and first active period)
previous_active as (

    select
        stored.user_id,
        stored.period_start,
        stored.activation_state,
        stored.active_streak,
        stored.lifetime_active_periods,
        stored.first_active_period
    from {{ this }} as stored
    inner join touched_users
        on stored.user_id = touched_users.user_id
    where stored.period_start = {{ plan.previous_period }} and stored.is_active

),

-- the other touched users with a history continue from their latest inactive row before w0:
-- every active period before the period before w0 is followed, before w0, by an active row or
-- by the inactive row of its churn, which carries the count and the first active period; a
-- seed further back than the period before w0 is followed by a gap, so its state and streak
-- are never read (no sort of the stored rows, and only inactive rows reach the join)
latest_churn as (

    select
        stored.user_id,
        max(stored.period_start) as period_start,
        max(stored.lifetime_active_periods) as lifetime_active_periods,
        min(stored.first_active_period) as first_active_period
    from {{ this }} as stored
    inner join touched_users
        on stored.user_id = touched_users.user_id
    where stored.period_start < {{ plan.window_start }} and not stored.is_active
    group by stored.user_id

),

seeds as (

    select
        user_id,
        period_start,
        activation_state,
        active_streak,
        lifetime_active_periods,
        first_active_period
    from previous_active

    union all

    select
        latest_churn.user_id,
        {{ dbt_activation._add_periods('latest_churn.period_start', -1, grain) }} as period_start,
        cast(null as {{ dbt.type_string() }}) as activation_state,
        0 as active_streak,
        latest_churn.lifetime_active_periods,
        latest_churn.first_active_period
    from latest_churn
    left join previous_active
        on latest_churn.user_id = previous_active.user_id
    where previous_active.user_id is null

),
{%- endif %}

-- the sequence of active periods of each user, with their attributes; a seed (the last
-- period before w0, on incremental runs) carries its stored state, streak and count
sequence as (

    select
        user_id,
        period_start,
        false as is_seed,
        cast(null as {{ dbt.type_string() }}) as seed_state,
        cast(null as {{ int_type }}) as seed_streak,
        cast(null as {{ int_type }}) as seed_lifetime,
        cast(null as date) as seed_first_active_period
        {%- for attribute in attributes %},
        {{ attribute }}
        {%- endfor %}
    from active_periods
    {%- if windowed %}

    union all

    select
        user_id,
        period_start,
        true as is_seed,
        activation_state as seed_state,
        cast(active_streak as {{ int_type }}) as seed_streak,
        cast(lifetime_active_periods as {{ int_type }}) as seed_lifetime,
        first_active_period as seed_first_active_period
        {%- for attribute in attributes %},
        null as {{ attribute }}
        {%- endfor %}
    from seeds
    {%- endif %}

),

ordered as (

    select
        sequence.*,
        lag(period_start) over user_periods as previous_active_period,
        lag(period_start, 2) over user_periods as second_previous_active_period,
        lead(period_start) over user_periods as next_active_period,
        row_number() over user_periods as position,
        min(period_start) over user_history as first_sequence_period,
        max(case when is_seed then 1 else 0 end) over user_history as has_seed,
        max(seed_state) over user_history as base_state,
        max(seed_streak) over user_history as base_streak,
        max(seed_lifetime) over user_history as base_lifetime,
        min(coalesce(seed_first_active_period, period_start)) over user_history as first_active_period
    from sequence
    window
        user_periods as (partition by user_id order by period_start),
        user_history as (partition by user_id)

),

-- islands: within a run of consecutive periods, the period number minus the position is
-- constant; the first island (the one holding the seed, if any) is numbered -1
gaps as (

    select
        ordered.*,
        {{ dbt_activation._periods_between('previous_active_period', 'period_start', grain) }}
            as periods_since_previous,
        {{ dbt_activation._periods_between(
            'second_previous_active_period', 'previous_active_period', grain) }}
            as previous_periods_since_previous,
        {{ dbt_activation._periods_between('period_start', 'next_active_period', grain) }}
            as periods_to_next,
        {{ dbt_activation._periods_between('first_sequence_period', 'period_start', grain) }}
            - position as island
    from ordered

),

states as (

    select
        gaps.*,
        case
            when is_seed then seed_state
            when previous_active_period is null then 'new'
            when periods_since_previous = 1 then 'retained'
            else 'reactivated'
        end as activation_state,
        -- the state of the previous active period (the seed's, or derived from its own gap)
        case
            when previous_active_period is null then cast(null as {{ dbt.type_string() }})
            when has_seed = 1 and position = 2 then base_state
            when second_previous_active_period is null then 'new'
            when previous_periods_since_previous = 1 then 'retained'
            else 'reactivated'
        end as previous_active_state,
        case
            when is_seed then seed_streak
            else row_number() over (partition by user_id, island order by period_start)
                + case when has_seed = 1 and island = -1 then base_streak - 1 else 0 end
        end as active_streak,
        case
            when is_seed then seed_lifetime
            else position - has_seed + coalesce(base_lifetime, 0)
        end as lifetime_active_periods
    from gaps

),

active_rows as (

    select
        period_start,
        user_id,
        activation_state,
        case
            when activation_state = 'new' then cast(null as {{ dbt.type_string() }})
            when activation_state = 'reactivated' then 'inactive'
            else previous_active_state
        end as previous_state,
        true as is_active,
        active_streak,
        case when activation_state = 'new' then null else periods_since_previous end
            as periods_since_last_active,
        case when activation_state = 'new' then null else periods_since_previous - 1 end
            as inactive_periods,
        first_active_period,
        lifetime_active_periods,
        is_seed
        {%- for attribute in attributes %},
        {{ attribute }}
        {%- endfor %}
    from states

),

-- the churn row: the period right after an active period without activity
inactive_rows as (

    select
        {{ dbt_activation._add_periods('states.period_start', 1, grain) }} as period_start,
        states.user_id,
        'inactive' as activation_state,
        states.activation_state as previous_state,
        false as is_active,
        0 as active_streak,
        1 as periods_since_last_active,
        0 as inactive_periods,
        states.first_active_period,
        states.lifetime_active_periods
    from states
    inner join as_of
        on {{ dbt_activation._add_periods('states.period_start', 1, grain) }} <= as_of.as_of_period
    where
        (states.next_active_period is null or states.periods_to_next > 1)
        {%- if windowed %}
        and {{ dbt_activation._add_periods('states.period_start', 1, grain) }} >= {{ plan.window_start }}

    union all

    -- users active in the latest stored period and not touched: the churn row of the period
    -- after it, if this run adds that period, from their stored row
    select
        {{ dbt_activation._add_periods('stored.period_start', 1, grain) }} as period_start,
        stored.user_id,
        'inactive' as activation_state,
        stored.activation_state as previous_state,
        false as is_active,
        0 as active_streak,
        1 as periods_since_last_active,
        0 as inactive_periods,
        stored.first_active_period,
        stored.lifetime_active_periods
    from {{ this }} as stored
    inner join as_of
        on {{ dbt_activation._add_periods('stored.period_start', 1, grain) }} <= as_of.as_of_period
    left join touched_users
        on stored.user_id = touched_users.user_id
    where
        stored.period_start = {{ plan.latest_period }}
        and stored.is_active
        and touched_users.user_id is null
        {%- endif %}

),

unioned as (

    select
        active_rows.period_start,
        active_rows.user_id,
        active_rows.activation_state,
        active_rows.previous_state,
        active_rows.is_active,
        active_rows.active_streak,
        active_rows.periods_since_last_active,
        active_rows.inactive_periods,
        active_rows.first_active_period,
        active_rows.lifetime_active_periods
        {%- for attribute in attributes %},
        active_rows.{{ attribute }}
        {%- endfor %}
    from active_rows
    where not active_rows.is_seed

    union all

    select
        period_start,
        user_id,
        activation_state,
        previous_state,
        is_active,
        active_streak,
        periods_since_last_active,
        inactive_periods,
        first_active_period,
        lifetime_active_periods
        {%- for attribute in attributes %},
        null as {{ attribute }}
        {%- endfor %}
    from inactive_rows

),

final as (

    select
        period_start,
        user_id,
        activation_state,
        previous_state,
        coalesce(previous_state, 'none') || '_to_' || activation_state as state_transition,
        is_active,
        cast(active_streak as {{ int_type }}) as active_streak,
        cast(periods_since_last_active as {{ int_type }}) as periods_since_last_active,
        cast(inactive_periods as {{ int_type }}) as inactive_periods,
        first_active_period,
        cast(lifetime_active_periods as {{ int_type }}) as lifetime_active_periods
        {%- for attribute in attributes %},
        {{ attribute }}
        {%- endfor %}
    from unioned

)

select * from final
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


{#- The first non-null value of `expression` in the group, by `order_by` (ties: the
    smallest value). -#}
{% macro _first_value(expression, order_by) %}
    {{ return(adapter.dispatch('_first_value', 'dbt_activation')(expression, order_by)) }}
{% endmacro %}

{% macro default___first_value(expression, order_by) -%}
    arg_min({{ expression }}, row({{ order_by }}, {{ expression }})) filter (where {{ expression }} is not null)
{%- endmacro %}

{#- PostgreSQL has no arg_min: the first element of an ordered array. -#}
{% macro postgres___first_value(expression, order_by) -%}
    (array_agg({{ expression }} order by {{ order_by }}, {{ expression }})
        filter (where {{ expression }} is not null))[1]
{%- endmacro %}

{#- BigQuery: ARRAY_AGG ... LIMIT 1 is its arg_min (and must skip NULLs). -#}
{% macro bigquery___first_value(expression, order_by) -%}
    array_agg({{ expression }} ignore nulls order by {{ order_by }}, {{ expression }} limit 1)[safe_offset(0)]
{%- endmacro %}


{#- Spark: min_by over a struct (order, value) is its arg_min with the value as tie-break;
    the filter skips NULLs. -#}
{% macro spark___first_value(expression, order_by) -%}
    min_by({{ expression }}, struct({{ order_by }}, {{ expression }})) filter (where {{ expression }} is not null)
{%- endmacro %}


{#- Incremental plan, decided at compile time from the stored table and logged:
    read_from, the first local day whose activity is read (the latest day processed as far
    as _states_latest_day can tell, minus the lookback, and one more day outside UTC: later
    batches bring no older activity); window_start (w0), the first period rewritten (the
    period of read_from); previous_period, the one before it; latest_period, the latest
    stored period (the run adds the period after it if the as-of period is later); partial,
    whether w0 began before read_from (its earlier activity then comes from its stored rows);
    scan_from and window_scan_from, the first source instants read for read_from and for w0
    (datetimes one day earlier, so that no time zone offset puts activity of those days
    before them), and window_scan_until, the instant one day after read_from, before which
    all activity of w0 before read_from lies (SQL expressions in a unit test). window_start is none on a full build. -#}
{% macro _activation_states_plan(first_last, grain, timezone, week_start, lookback_days, as_of) %}
    {%- set none_plan = {'window_start': none, 'previous_period': none, 'read_from': none,
        'latest_period': none,
        'partial': false, 'scan_from': none, 'window_scan_from': none, 'window_scan_until': none} -%}
    {%- if not is_incremental() or not execute -%}
        {{ return(none_plan) }}
    {%- endif -%}
    {#- the lookback counts 24-hour days back from the latest data; outside UTC, a change to
        summer time within them makes them reach one local day further back -#}
    {%- set read_back_days = lookback_days + (0 if timezone | upper == 'UTC' else 1) -%}
    {%- if not dbt_activation._is_queryable(this) -%}
        {#- a unit test, where `this` is a CTE: the plan as SQL expressions, read_from from
            the latest active period only (no first_last bound: an earlier, safe window) -#}
        {%- set read_from = dbt_activation._dateadd('day', -read_back_days,
            '(select max(period_start) from ' ~ this ~ ' where is_active)') -%}
        {%- set window_start = dbt_activation._period_start(read_from, grain, week_start) -%}
        {{ return({
            'window_start': window_start,
            'previous_period': dbt_activation._add_periods(window_start, -1, grain),
            'read_from': read_from,
            'latest_period': '(select max(period_start) from ' ~ this ~ ')',
            'partial': grain != 'day',
            'scan_from': 'cast(' ~ dbt.dateadd('day', -1, read_from) ~ ' as ' ~ dbt.type_timestamp() ~ ')',
            'window_scan_from': 'cast(' ~ dbt.dateadd('day', -1, window_start) ~ ' as '
                ~ dbt.type_timestamp() ~ ')',
            'window_scan_until': 'cast(' ~ dbt.dateadd('day', 1, read_from) ~ ' as ' ~ dbt.type_timestamp() ~ ')',
        }) }}
    {%- endif -%}
    {#- latest: the last period stored; latest_active: the last active one, whose start is
        at or before the latest activity processed (the churn rows after it can run up to
        an as_of later than the data); as_of_period: this run's -#}
    {%- set plan_query -%}
        select
            max(stored.period_start),
            max(case when stored.is_active then stored.period_start end),
            max(as_of.as_of_period)
        from {{ this }} as stored
        cross join (
            {{ dbt_activation._as_of_period_sql(first_last, grain, timezone, week_start, as_of) }}
        ) as as_of
    {%- endset -%}
    {%- set row = run_query(plan_query).rows[0] -%}
    {%- if row[1] is none -%}
        {{ log("activation_states " ~ this ~ ": table is empty, building all periods", info=true) }}
        {{ return(none_plan) }}
    {%- endif -%}
    {%- set latest = row[0] if row[0].hour is not defined else row[0].date() -%}
    {%- set latest_active = row[1] if row[1].hour is not defined else row[1].date() -%}
    {%- set as_of_period = none if row[2] is none else row[2] if row[2].hour is not defined else row[2].date() -%}
    {%- set timedelta = modules.datetime.timedelta -%}
    {#- the stored rows after the as-of period would stay: moving it back needs a rebuild -#}
    {%- if as_of is not none and as_of_period < latest -%}
        {{ exceptions.raise_compiler_error(
            "activation_states: as_of " ~ dbt_activation._shown(as_of) ~ " is before the period "
            ~ latest ~ " already stored in " ~ this
            ~ "; rebuild the model with --full-refresh to move the as-of date back") }}
    {%- elif as_of_period is not none and as_of_period < latest -%}
        {{ exceptions.raise_compiler_error(
            "activation_states: the as-of period " ~ as_of_period ~ " (of the latest activity in "
            ~ first_last ~ ", as no as_of is set) is before the period " ~ latest
            ~ " already stored in " ~ this ~ " (built with a later as_of, or from data since"
            ~ " removed); rebuild the model with --full-refresh, or set as_of") }}
    {%- endif -%}
    {%- set read_from = dbt_activation._states_latest_day(
        first_last, grain, timezone, latest_active) - timedelta(days=read_back_days) -%}
    {%- set window_start = dbt_activation._py_period_start(read_from, grain, week_start) -%}
    {%- set previous_period = dbt_activation._py_period_start(
        window_start - timedelta(days=1), grain, week_start) -%}
    {%- set midnight = modules.datetime.time() -%}
    {%- set scan_from = modules.datetime.datetime.combine(read_from, midnight) - timedelta(days=1) -%}
    {{ log("activation_states " ~ this ~ ": incremental run rewriting periods from "
        ~ window_start ~ ", reading activity since " ~ read_from ~ " (instants since " ~ scan_from
        ~ ")" ~ (" and the stored active rows of " ~ window_start if read_from > window_start else ""),
        info=true) }}
    {{ return({
        'window_start': dbt_activation._date_literal(window_start),
        'previous_period': dbt_activation._date_literal(previous_period),
        'read_from': dbt_activation._date_literal(read_from),
        'latest_period': dbt_activation._date_literal(latest),
        'partial': read_from > window_start,
        'scan_from': scan_from,
        'window_scan_from': modules.datetime.datetime.combine(window_start, midnight) - timedelta(days=1),
        'window_scan_until': dbt_activation._timestamp_literal(
            modules.datetime.datetime.combine(read_from, midnight) + timedelta(days=1)),
    }) }}
{% endmacro %}


{#- A lower bound of the latest local day the stored table has processed, at compile time:
    the latest active period's first day, or a later day found through first_last. Every
    user stored active in that period had activity in it processed, and first_last's first
    activity of that user is no later than it; so the latest first activity of those users
    (in a time zone other than UTC three hours earlier, as a wall clock can go back) is no
    later than the latest activity processed. A period's new users arrive through it, so
    for weeks and months this bound is close to the latest activity, where the period's
    first day can be a month before it. Days: the period is the day. -#}
{% macro _states_latest_day(first_last, grain, timezone, latest_active) %}
    {%- if grain == 'day' or adapter.get_relation(database=first_last.database,
            schema=first_last.schema, identifier=first_last.identifier) is none -%}
        {{ return(latest_active) }}
    {%- endif -%}
    {%- set bound_query -%}
        select {{ dbt_activation._local_timestamp('max(first_last.first_active_at)', timezone) }}
        from {{ first_last }} as first_last
        inner join {{ this }} as stored
            on first_last.user_id = stored.user_id
        where
            stored.period_start = {{ dbt_activation._date_literal(latest_active) }}
            and stored.is_active
            -- a user first active before the period cannot raise the bound above its start
            and cast(first_last.first_active_at as {{ dbt.type_timestamp() }})
            >= {{ dbt_activation._timestamp_literal(modules.datetime.datetime.combine(
                latest_active, modules.datetime.time()) - modules.datetime.timedelta(days=1)) }}
    {%- endset -%}
    {%- set bound = run_query(bound_query).columns[0].values()[0] -%}
    {%- if bound is none -%}
        {{ return(latest_active) }}
    {%- endif -%}
    {%- if bound.hour is defined -%}
        {%- if timezone | upper != 'UTC' -%}
            {%- set bound = bound - modules.datetime.timedelta(hours=3) -%}
        {%- endif -%}
        {%- set bound = bound.date() -%}
    {%- endif -%}
    {{ return([bound, latest_active] | max) }}
{% endmacro %}


{#- The period start of a Python date, at compile time. -#}
{% macro _py_period_start(day, grain, week_start) %}
    {%- if grain == 'day' -%}
        {{ return(day) }}
    {%- elif grain == 'week' -%}
        {%- set offset = (day.weekday() + (0 if week_start == 'monday' else 1)) % 7 -%}
        {{ return(day - modules.datetime.timedelta(days=offset)) }}
    {%- else -%}
        {{ return(day.replace(day=1)) }}
    {%- endif -%}
{% endmacro %}


{#- The period start after a Python period start, at compile time. -#}
{% macro _py_next_period(period, grain) %}
    {%- if grain == 'month' -%}
        {{ return((period.replace(day=28) + modules.datetime.timedelta(days=4)).replace(day=1)) }}
    {%- endif -%}
    {{ return(period + modules.datetime.timedelta(days=7 if grain == 'week' else 1)) }}
{% endmacro %}


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


{#- Model configuration: each run's rows replace the stored rows of their key (user_id,
    period_start): delete+insert (on DuckDB far cheaper than a MERGE that updates every
    column). Override with a config() call placed after the macro call in the model file. -#}
{% macro _activation_states_config(grain) %}
    {{ return(adapter.dispatch('_activation_states_config', 'dbt_activation')(grain)) }}
{% endmacro %}

{% macro default___activation_states_config(grain) %}
    {%- do config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['user_id', 'period_start'],
    ) -%}
{% endmacro %}

{#- BigQuery: merge (dbt-bigquery has no delete+insert); partitioned by period (monthly
    partitions for a monthly grain) and clustered by user. -#}
{% macro bigquery___activation_states_config(grain) %}
    {%- do config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['user_id', 'period_start'],
        partition_by={'field': 'period_start', 'data_type': 'date',
                      'granularity': 'month' if grain == 'month' else 'day'},
        cluster_by=['user_id'],
    ) -%}
{% endmacro %}

{#- Spark (parquet, no MERGE): dynamic insert_overwrite of the period_start partitions a run
    emits. Every stored row from w0 on belongs to a user the run touches and is re-emitted,
    so those partitions are rewritten whole. -#}
{% macro spark___activation_states_config(grain) %}
    {%- do dbt_activation._require_utc_process('activation_states') -%}
    {%- do config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        file_format='parquet',
        partition_by=['period_start'],
    ) -%}
{% endmacro %}
