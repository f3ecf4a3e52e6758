{#- The plan of activation_states (_activation_states_plan) on each situation of
    seeds/incremental_plan/activation_states_plan_situations.csv, one row per situation, every
    value as text; compared with activation_states_plan_expected.csv. -#}
-- depends_on: {{ ref('activation_states_plan_situations') }}
{%- set rows = [] -%}
{%- if execute -%}
    {%- for situation in run_query('select * from ' ~ ref('activation_states_plan_situations')) -%}
        {%- set blank = [none, ''] -%}
        {%- set configuration = {
            'source': 'events', 'source_schema': situation['source_schema'] or none,
            'user_id': 'user_id', 'activity_at': situation['activity_at'],
            'grain': situation['grain'], 'timezone': situation['timezone'], 'week_start': situation['week_start'],
            'attributes': (situation['attributes'] or '').split('|') | reject('in', blank) | list,
            'as_of': none if situation['as_of'] in blank else dbt_activation._as_date(situation['as_of']) | string,
        } -%}
        {%- set recorded = none -%}
        {%- if situation['recorded_status'] == 'complete' -%}
            {%- set stored_configuration = {
                'source': 'events', 'user_id': 'user_id', 'activity_at': situation['recorded_activity_at'],
                'grain': situation['recorded_grain'], 'timezone': situation['recorded_timezone'],
                'week_start': situation['recorded_week_start'],
                'attributes': (situation['recorded_attributes'] or '').split('|') | reject('in', blank) | list,
                'as_of': none if situation['recorded_as_of'] in blank
                    else dbt_activation._as_date(situation['recorded_as_of']) | string,
            } -%}
            {#- blank: not recorded (by an earlier version of the package); 'none': the model's own -#}
            {%- if situation['recorded_source_schema'] not in blank -%}
                {%- do stored_configuration.update({'source_schema': none
                    if situation['recorded_source_schema'] == 'none' else situation['recorded_source_schema']}) -%}
            {%- endif -%}
            {%- set interrupted = none -%}
            {%- if situation['interrupted_timezone'] not in blank -%}
                {%- set interrupted_configuration = configuration.copy() -%}
                {%- do interrupted_configuration.update({'timezone': situation['interrupted_timezone']}) -%}
                {%- set interrupted = {'run_number': 2, 'mode': 'normal', 'configuration': interrupted_configuration} -%}
            {%- endif -%}
            {%- set recorded = {'last_run_number': 2 if interrupted else 1, 'interrupted': interrupted, 'complete': {
                'run_number': 1, 'mode': 'full_build', 'configuration': stored_configuration,
                'watermark_at': dbt_activation._naive_utc(situation['recorded_watermark_at']),
                'details': {'last_period': situation['recorded_last_period'],
                            'watermark_period': situation['recorded_watermark_period']}}} -%}
        {%- endif -%}
        {%- set plan = dbt_activation._activation_states_plan(
            situation['incremental'] | string | lower == 'true', recorded, configuration,
            situation['lookback_days'] | int,
            {'latest_instant': dbt_activation._naive_utc(situation['latest_instant']),
             'latest_period': situation['latest_period']}) -%}
        {%- set refused = plan.refusal is not none -%}
        {%- do rows.append({
            'situation': situation['situation'],
            'mode': plan.mode,
            'changed_setting': plan.changed_setting,
            'first_instant_read': none if refused else plan.first_instant_read,
            'first_day_read': none if refused else plan.first_day_read,
            'first_rewritten_period': none if refused else plan.first_rewritten_period,
            'first_period_partly_read': none if refused else plan.first_period_partly_read | string | lower,
            'last_stored_period': none if refused else plan.last_stored_period,
            'as_of_period': none if refused else plan.as_of_period,
            'watermark_at': none if refused else plan.watermark_at,
            'merge_bound': none if refused or not plan.details.merge_bound else plan.details.merge_bound['from'],
        }) -%}
    {%- endfor -%}
{%- endif -%}
{{ rows_as_text(rows, ['situation', 'mode', 'changed_setting', 'first_instant_read',
    'first_day_read', 'first_rewritten_period', 'first_period_partly_read',
    'last_stored_period', 'as_of_period', 'watermark_at', 'merge_bound']) }}
