{#- activation_states' plan: one mode (see _internal/_incremental_plan.sql) and its window,
    decided at compile time from the recorded run state, this run's configuration and the
    latest activity in the source. A pure function: tests run it on a table of situations
    (seeds/incremental_plan/activation_states_plan_situations.csv).
    `recorded` is _run_state_read()'s; `new_data` is none, or {'latest_instant',
    'latest_period'}: the latest activity at or after the plan's first instant read (within
    the as-of period when as_of is set) and its period. The window (normal and
    attributes_removed runs; none otherwise: every period is computed):
      first_instant_read      the first instant read from the source: the watermark minus the
                              lookback, as a local day read_from (one day earlier outside UTC,
                              as the local day of an instant is at most a day before its UTC
                              day), from one day before its midnight;
      first_rewritten_period  the period of read_from: the run rewrites its touched users' rows
                              from there;
      first_period_partly_read  whether that period began before read_from: its earlier
                              activity is then in its stored rows;
      last_stored_period      the as-of period of the last run. -#}
{% macro _activation_states_plan(incremental, recorded, configuration, lookback_days, new_data) %}
    {%- set timedelta = modules.datetime.timedelta -%}
    {%- set grain, week_start = configuration.grain, configuration.week_start -%}
    {%- set mode = dbt_activation._plan_state_mode(incremental, recorded, configuration) -%}
    {%- set stored = recorded.complete if mode is none else none -%}
    {%- set setting = none -%}
    {%- if mode is none -%}
        {%- set setting = dbt_activation._changed_setting(stored.configuration, configuration,
            ['source', 'source_schema', 'user_id', 'activity_at', 'grain', 'timezone']
            + (['week_start'] if grain == 'week' else [])) -%}
        {%- set stored_attributes = dbt_activation._setting_key(stored.configuration.attributes) -%}
        {%- set attributes = dbt_activation._setting_key(configuration.attributes) -%}
        {%- if setting is not none -%}
            {%- set mode = 'configuration_changed' -%}
        {%- elif attributes | reject('in', stored_attributes) | list -%}
            {%- set mode = 'attributes_added' -%}
        {%- elif stored.watermark_at is none -%}
            {%- set mode = 'empty_table' -%}
        {%- elif stored_attributes | reject('in', attributes) | list -%}
            {%- set mode = 'attributes_removed' -%}
        {%- else -%}
            {%- set mode = 'normal' -%}
        {%- endif -%}
    {%- endif -%}
    {%- set windowed = mode in ['normal', 'attributes_removed'] -%}

    {#- the watermark and the as-of period: the latest activity taken in, and its period -#}
    {%- set watermark_at = dbt_activation._as_datetime(stored.watermark_at) if windowed else none -%}
    {%- set watermark_period = dbt_activation._as_date(stored.details.watermark_period) if windowed else none -%}
    {%- set latest = dbt_activation._as_datetime(new_data.latest_instant) if new_data else none -%}
    {%- if latest is not none and (watermark_at is none or latest >= watermark_at) -%}
        {%- set watermark_at = latest -%}
        {%- set watermark_period = dbt_activation._as_date(new_data.latest_period) -%}
    {%- endif -%}
    {%- if configuration.as_of is not none -%}
        {%- set as_of_period = dbt_activation._py_period_start(
            dbt_activation._as_date(configuration.as_of), grain, week_start) -%}
    {%- else -%}
        {%- set as_of_period = watermark_period -%}
    {%- endif -%}
    {%- set last_stored_period = dbt_activation._as_date(stored.details.last_period) if stored else none -%}
    {%- if stored and (new_data is not none or configuration.as_of is not none)
            and as_of_period is not none and last_stored_period is not none
            and as_of_period < last_stored_period and mode not in dbt_activation._plan_refusals() -%}
        {%- set mode = 'as_of_moved_back' -%}
    {%- endif -%}

    {%- set plan = {
        'mode': mode, 'refusal': none, 'configuration': configuration, 'changed_setting': setting,
        'run_number': (recorded.last_run_number if recorded else 0) + 1,
        'watermark_at': watermark_at, 'as_of_period': as_of_period,
        'last_stored_period': last_stored_period,
        'first_instant_read': none, 'first_day_read': none, 'first_rewritten_period': none,
        'first_period_partly_read': false,
        'first_period_scan_from': none, 'first_period_scan_until': none,
        'details': {'last_period': none if as_of_period is none else as_of_period | string,
                    'watermark_period': none if watermark_period is none else watermark_period | string,
                    'first_rewritten_period': none, 'merge_bound': none,
                    'next_first_rewritten_period': none if watermark_at is none else
                        dbt_activation._activation_states_first_period(watermark_at, lookback_days,
                            configuration) | string},
    } -%}
    {%- if mode == 'as_of_moved_back' -%}
        {%- do plan.update({'refusal': dbt_activation._plan_refusal_message('activation_states', mode,
            recorded, configuration, detail="its rows run to the period " ~ last_stored_period
            ~ " and this run's as-of period is " ~ as_of_period ~ " (" ~ ("as_of " ~ configuration.as_of
            if configuration.as_of else "the period of the latest activity, as no as_of is set")
            ~ "): moving the as-of period back would leave the later rows in place",
            alternative="set as_of to a date in the period " ~ last_stored_period ~ " or later")}) -%}
    {%- elif mode in dbt_activation._plan_refusals() -%}
        {%- do plan.update({'refusal': dbt_activation._plan_refusal_message('activation_states', mode,
            recorded, configuration, setting)}) -%}
    {%- elif windowed -%}
        {%- set midnight = modules.datetime.time() -%}
        {%- set read_from = dbt_activation._activation_states_first_day(stored.watermark_at, lookback_days,
            configuration) -%}
        {%- set first_period = dbt_activation._py_period_start(read_from, grain, week_start) -%}
        {%- do plan.details.update({'first_rewritten_period': first_period | string,
            'merge_bound': {'column': 'period_start', 'from': first_period | string}}) -%}
        {%- do plan.update({
            'first_instant_read': modules.datetime.datetime.combine(read_from, midnight) - timedelta(days=1),
            'first_day_read': read_from,
            'first_rewritten_period': first_period,
            'first_period_partly_read': read_from > first_period,
            'first_period_scan_from': modules.datetime.datetime.combine(first_period, midnight) - timedelta(days=1),
            'first_period_scan_until': modules.datetime.datetime.combine(read_from, midnight) + timedelta(days=1),
        }) -%}
    {%- endif -%}
    {{ return(plan) }}
{% endmacro %}


{#- The first local day a windowed run reads after the watermark `watermark_at`: the local day
    of the watermark minus the lookback (one day earlier outside UTC, as the local day of an
    instant is at most a day before its UTC day); and its period, the run's first rewritten
    period. -#}
{% macro _activation_states_first_day(watermark_at, lookback_days, configuration) %}
    {%- set first_instant = dbt_activation._as_datetime(watermark_at)
        - modules.datetime.timedelta(days=lookback_days) -%}
    {{ return(first_instant.date() - modules.datetime.timedelta(
        days=0 if configuration.timezone | upper == 'UTC' else 1)) }}
{% endmacro %}

{% macro _activation_states_first_period(watermark_at, lookback_days, configuration) %}
    {{ return(dbt_activation._py_period_start(dbt_activation._activation_states_first_day(
        watermark_at, lookback_days, configuration), configuration.grain, configuration.week_start)) }}
{% endmacro %}


{#- The plan of the model being compiled, its inputs read from the database (the run state,
    the latest activity), applied: a refusal fails the run, else it logs one line. -#}
{% macro _activation_states_run_plan(configuration, inputs, lookback_days) %}
    {%- set recorded = dbt_activation._run_state_read() -%}
    {%- set incremental = is_incremental() -%}
    {%- set plan = dbt_activation._activation_states_plan(incremental, recorded, configuration, lookback_days, none) -%}
    {%- if plan.refusal is none -%}
        {%- set new_data = dbt_activation._activation_states_observe(configuration, inputs, plan.first_instant_read) -%}
        {%- set plan = dbt_activation._activation_states_plan(incremental, recorded, configuration, lookback_days,
            new_data) -%}
    {%- endif -%}
    {%- if plan.mode == 'attributes_removed' and not dbt_activation._can_drop_columns() -%}
        {%- do plan.update({'refusal': dbt_activation._plan_refusal_message('activation_states',
            plan.mode, recorded, configuration, detail="its attributes "
            ~ dbt_activation._shown(recorded.complete.configuration.attributes) ~ " became "
            ~ dbt_activation._shown(configuration.attributes) ~ ", and this engine cannot drop a column")}) -%}
    {%- endif -%}
    {%- do dbt_activation._plan_apply('activation_states', plan,
        "reading all activity, building every period" if plan.first_day_read is none
        else "reading activity since " ~ plan.first_day_read ~ " (instants since " ~ plan.first_instant_read
            ~ "), rewriting periods from " ~ plan.first_rewritten_period
            ~ (" (its earlier activity from its stored rows)" if plan.first_period_partly_read else "")) -%}
    {{ return(plan) }}
{% endmacro %}


{#- The latest activity in the source at or after `first_instant_read` (none: all), within
    the as-of period when as_of is set, and its period: {'latest_instant', 'latest_period'};
    none when the source cannot be queried at compile time (a unit test's fixture). -#}
{% macro _activation_states_observe(configuration, inputs, first_instant_read) %}
    {%- set source, activity_instant = inputs.source, inputs.activity_instant -%}
    {%- if not dbt_activation._is_queryable(source) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set period_of = dbt_activation._period_start(
        dbt_activation._local_timestamp('latest_instant', configuration.timezone),
        configuration.grain, configuration.week_start) -%}
    {%- set query -%}
        select latest_instant, {{ period_of }} as latest_period
        from (
            select max({{ activity_instant }}) as latest_instant
            from {{ source }}
            where
                {{ activity_instant }} is not null
                {%- if first_instant_read is not none %}
                and {{ dbt_activation._scan_since(activity_instant, inputs.source_partition_column,
                    first_instant_read) }}
                {%- endif %}
                {%- if configuration.as_of is not none %}
                and {{ dbt_activation._period_start(dbt_activation._local_timestamp(activity_instant,
                    configuration.timezone), configuration.grain, configuration.week_start) }}
                <= {{ dbt_activation._date_literal(dbt_activation._py_period_start(
                    dbt_activation._as_date(configuration.as_of), configuration.grain, configuration.week_start)) }}
                {%- endif %}
        ) as latest
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {{ return({'latest_instant': dbt_activation._naive_utc(row[0]),
               'latest_period': dbt_activation._as_date(row[1])}) }}
{% endmacro %}
