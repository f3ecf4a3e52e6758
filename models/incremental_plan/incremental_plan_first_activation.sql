{#- The plan of first_activation_events (_first_activation_plan) on each situation of
    seeds/incremental_plan/first_activation_plan_situations.csv, one row per situation, every
    value as text (lists joined with |); compared with first_activation_plan_expected.csv. -#}
-- depends_on: {{ ref('first_activation_plan_situations') }}
{%- set rows = [] -%}
{%- if execute -%}
    {%- for situation in run_query('select * from ' ~ ref('first_activation_plan_situations')) -%}
        {%- set base = {'events': 'events', 'users': 'users', 'user_id': 'user_id', 'event_name': 'event_name',
            'event_at': 'datetime', 'first_visit_at': 'first_datetime'} -%}
        {%- set configuration = base.copy() -%}
        {%- do configuration.update({'key_events': situation['key_events'].split('|'),
            'timezone': situation['timezone'], 'first_visit_event': situation['first_visit_event']}) -%}
        {%- set recorded = none -%}
        {%- if situation['recorded_status'] == 'complete' -%}
            {%- set stored_configuration = base.copy() -%}
            {%- do stored_configuration.update({'key_events': situation['recorded_key_events'].split('|'),
                'timezone': situation['recorded_timezone'],
                'first_visit_event': situation['recorded_first_visit_event']}) -%}
            {%- set interrupted = none -%}
            {%- if situation['interrupted_timezone'] -%}
                {%- set interrupted_configuration = configuration.copy() -%}
                {%- do interrupted_configuration.update({'timezone': situation['interrupted_timezone']}) -%}
                {%- set interrupted = {'run_number': 2, 'mode': 'normal', 'configuration': interrupted_configuration} -%}
            {%- endif -%}
            {%- set recorded = {'last_run_number': 2 if interrupted else 1, 'interrupted': interrupted, 'complete': {
                'run_number': 1, 'mode': 'full_build', 'details': {}, 'configuration': stored_configuration,
                'watermark_at': dbt_activation._naive_utc(situation['recorded_watermark_at'])}} -%}
        {%- endif -%}
        {%- set plan = dbt_activation._first_activation_plan(
            situation['incremental'] | string | lower == 'true', recorded, configuration,
            situation['lookback_days'] | int,
            {'latest_instant': dbt_activation._naive_utc(situation['latest_instant']),
             'earliest_changed_first_visit': dbt_activation._naive_utc(situation['earliest_changed_first_visit']),
             'earliest_moved_old_first_visit': dbt_activation._naive_utc(situation['earliest_moved_old_first_visit'])}) -%}
        {%- set refused = plan.refusal is not none -%}
        {%- do rows.append({
            'situation': situation['situation'],
            'mode': plan.mode,
            'changed_setting': plan.changed_setting,
            'first_instant_read': none if refused else plan.first_instant_read,
            'backfill_events': none if refused or not plan.backfill_events else plan.backfill_events | join('|'),
            'removed_events': none if refused or not plan.removed_events else plan.removed_events | join('|'),
            'watermark_at': none if refused else plan.watermark_at,
            'merge_bound': none if refused or not plan.details.merge_bound else plan.details.merge_bound['from'],
        }) -%}
    {%- endfor -%}
{%- endif -%}
{{ rows_as_text(rows, ['situation', 'mode', 'changed_setting', 'first_instant_read', 'backfill_events',
    'removed_events', 'watermark_at', 'merge_bound']) }}
