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
