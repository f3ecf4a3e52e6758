{#- activation_first_last's plan: one mode (see _internal/_incremental_plan.sql) and its window,
    decided at compile time from the recorded run state, this run's configuration and the
    latest activity in the source (`new_data`: none or {'latest_instant'}). A pure function,
    tested on a table of situations (seeds/incremental_plan/). A normal run reads the source
    from the watermark minus the lookback (first_instant_read) up to the new watermark. -#}
{% macro _activation_first_last_plan(incremental, recorded, configuration, lookback_days, new_data) %}
    {%- set mode = dbt_activation._plan_state_mode(incremental, recorded, configuration) -%}
    {%- set setting = none -%}
    {%- if mode is none -%}
        {%- set stored = recorded.complete -%}
        {%- set setting = dbt_activation._changed_setting(stored.configuration, configuration,
            ['source', 'source_schema', 'user_id', 'activity_at']) -%}
        {%- set mode = 'configuration_changed' if setting is not none
            else 'empty_table' if stored.watermark_at is none else 'normal' -%}
    {%- endif -%}
    {%- set stored_watermark = dbt_activation._as_datetime(recorded.complete.watermark_at)
        if mode == 'normal' else none -%}
    {%- set latest = dbt_activation._as_datetime(new_data.latest_instant) if new_data else none -%}
    {{ return({
        'mode': mode, 'changed_setting': setting,
        'refusal': dbt_activation._plan_refusal_message('activation_first_last', mode, recorded, configuration,
            setting) if mode in dbt_activation._plan_refusals() else none,
        'configuration': configuration,
        'run_number': (recorded.last_run_number if recorded else 0) + 1,
        'first_instant_read': none if stored_watermark is none
            else stored_watermark - modules.datetime.timedelta(days=lookback_days),
        'watermark_at': [stored_watermark, latest] | reject('none') | max
            if stored_watermark is not none or latest is not none else none,
        'details': {},
    }) }}
{% endmacro %}


{#- The plan of the model being compiled, its inputs read from the database, applied. -#}
{% macro _first_last_run_plan(configuration, inputs, lookback_days) %}
    {%- set recorded = dbt_activation._run_state_read() -%}
    {%- set incremental = is_incremental() -%}
    {%- set plan = dbt_activation._activation_first_last_plan(incremental, recorded, configuration,
        lookback_days, none) -%}
    {%- if plan.refusal is none -%}
        {%- set plan = dbt_activation._activation_first_last_plan(incremental, recorded, configuration,
            lookback_days, {'latest_instant': dbt_activation._latest_instant(inputs.source, inputs.activity_instant,
                inputs.source_partition_column, plan.first_instant_read)}) -%}
    {%- endif -%}
    {%- do dbt_activation._plan_apply('activation_first_last', plan,
        "reading all activity" if plan.first_instant_read is none
        else "reading activity since " ~ plan.first_instant_read) -%}
    {{ return(plan) }}
{% endmacro %}
