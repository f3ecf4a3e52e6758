{#- The plan of activation_first_last (_activation_first_last_plan) on each situation of
    seeds/incremental_plan/activation_first_last_plan_situations.csv, one row per situation,
    every value as text; compared with activation_first_last_plan_expected.csv. -#}
-- depends_on: {{ ref('activation_first_last_plan_situations') }}
{%- set rows = [] -%}
{%- if execute -%}
    {%- for situation in run_query('select * from ' ~ ref('activation_first_last_plan_situations')) -%}
        {%- set configuration = {'source': 'events', 'user_id': 'user_id', 'activity_at': situation['activity_at']} -%}
        {%- set recorded = none -%}
        {%- if situation['recorded_status'] == 'complete' -%}
            {%- set interrupted = none -%}
            {%- if situation['interrupted_activity_at'] -%}
                {%- set interrupted = {'run_number': 2, 'mode': 'normal', 'configuration': {
                    'source': 'events', 'user_id': 'user_id', 'activity_at': situation['interrupted_activity_at']}} -%}
            {%- endif -%}
            {%- set recorded = {'last_run_number': 2 if interrupted else 1, 'interrupted': interrupted, 'complete': {
                'run_number': 1, 'mode': 'full_build', 'details': {},
                'configuration': {'source': 'events', 'user_id': 'user_id',
                                  'activity_at': situation['recorded_activity_at']},
                'watermark_at': dbt_activation._naive_utc(situation['recorded_watermark_at'])}} -%}
        {%- endif -%}
        {%- set plan = dbt_activation._activation_first_last_plan(
            situation['incremental'] | string | lower == 'true', recorded, configuration,
            situation['lookback_days'] | int, {'latest_instant': dbt_activation._naive_utc(situation['latest_instant'])}) -%}
        {%- set refused = plan.refusal is not none -%}
        {%- do rows.append({
            'situation': situation['situation'],
            'mode': plan.mode,
            'changed_setting': plan.changed_setting,
            'first_instant_read': none if refused else plan.first_instant_read,
            'watermark_at': none if refused else plan.watermark_at,
        }) -%}
    {%- endfor -%}
{%- endif -%}
{{ rows_as_text(rows, ['situation', 'mode', 'changed_setting', 'first_instant_read', 'watermark_at']) }}
