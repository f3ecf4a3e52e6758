-- Growth accounting per period of an activation model: new, retained, reactivated and
-- churned users (churned as a negative number, for a stacked bar chart), the active
-- users and the net change in active users from the previous period. Every user active
-- in one period is retained or churned in the next, so retained + |churned| = the
-- previous period's active users and net_change = new + reactivated - |churned|.
-- One row per period with rows in the model (daily, weekly or monthly).
-- Open period: is_period_complete is false on the model's last period (its latest
-- period_start: the as-of period), whose numbers still change as it fills, unless `as_of`
-- is set and that period has ended by then (as_of is its last day, or later); every
-- earlier period is complete.
-- To reuse: copy this file into your project's analyses/ folder and change only the
-- parameter block below (nothing after it names a model, an event or a window); then
-- `dbt compile --select activation_growth_accounting` writes the SQL to
-- target/compiled/<your project name>/analyses/activation_growth_accounting.sql.
{#- ==== parameters: change only this block ==== #}
{% set activation_model = ref('fact_app_visit_activation_weekly') %} {#- an activation_states model #}
{% set grain = 'week' %} {#- the model's grain: 'day', 'week' or 'month' #}
{% set as_of = none %} {#- none, or the model's as_of date ('YYYY-MM-DD') if it has one #}
{#- ==== end of parameters ==== #}
{#- ---- checks of the block and values derived from it (nothing to change below) ---- #}
{%- if execute and grain not in ['day', 'week', 'month'] %}
    {{- exceptions.raise_compiler_error(
        "activation_growth_accounting: grain must be one of 'day', 'week', 'month'; got \""
        ~ grain ~ "\"") }}
{%- endif %}
{#- with as_of: the latest period start whose period ends on or before as_of #}
{%- set last_ended_period = none %}
{%- if as_of is not none %}
    {%- set parts = modules.re.findall(
        '^([0-9]{4})-([0-9]{2})-([0-9]{2})$', as_of if as_of is string else '') %}
    {%- set year, month, day = (parts[0] if parts else ['0', '0', '0']) | map('int') | list %}
    {%- set month_days = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28,
        31, 30, 31, 30, 31, 31, 30, 31, 30, 31] %}
    {%- if year >= 1 and 1 <= month <= 12 and 1 <= day <= month_days[month - 1] %}
        {%- set as_of_date = modules.datetime.date(year, month, day) %}
        {%- set one_day = modules.datetime.timedelta(days=1) %}
        {%- if grain == 'month' %}
            {%- set month_end = (as_of_date + one_day).replace(day=1) - one_day %}
            {%- set last_ended_period = month_end.replace(day=1) %}
        {%- elif grain == 'week' %}
            {%- set last_ended_period = as_of_date - 6 * one_day %}
        {%- else %}
            {%- set last_ended_period = as_of_date %}
        {%- endif %}
    {%- elif execute %}
        {{- exceptions.raise_compiler_error(
            "activation_growth_accounting: as_of must be none or a date 'YYYY-MM-DD'; got \""
            ~ as_of ~ "\"") }}
    {%- endif %}
{%- endif %}

with activation as (

    select * from {{ activation_model }}

),

-- the open period is the model's last one
last_period as (

    select max(period_start) as period_start
    from activation

),

period_counts as (

    select
        sum(case when activation_state = 'new' then 1 else 0 end) as new_users,
        sum(case when activation_state = 'retained' then 1 else 0 end) as retained_users,
        sum(case when activation_state = 'reactivated' then 1 else 0 end) as reactivated_users,
        sum(case when activation_state = 'inactive' then 1 else 0 end) as churned_users,
        period_start
    from activation
    group by period_start

),

final as (

    select
        period_counts.new_users,
        period_counts.retained_users,
        period_counts.reactivated_users,
        -1 * period_counts.churned_users as churned_users,
        period_counts.new_users
        + period_counts.retained_users
        + period_counts.reactivated_users as active_users,
        period_counts.new_users
        + period_counts.reactivated_users
        - period_counts.churned_users as net_change,
        (
            period_counts.period_start < last_period.period_start
            {%- if last_ended_period is not none %}
            or period_counts.period_start <= cast('{{ last_ended_period }}' as date)
            {%- endif %}
        ) as is_period_complete,
        period_counts.period_start
    from period_counts
    cross join last_period

)

select * from final
