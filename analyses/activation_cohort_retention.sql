-- Retention triangle of an activation model: cohort = first_active_period; for each
-- cohort and each period since its start (0, 1, 2, ...), the cohort's active users and
-- their share of the cohort. Period 0 is 1.0 by construction; periods in which no user
-- of the cohort was active show 0, up to the model's latest period. `grain` is the unit
-- in which periods are counted.
-- Open period: is_period_complete is false on the cells of the open period, the model's
-- last period (its latest period_start: the as-of period), whose active users (and, for
-- the cohort that starts in it, cohort size) still change as it fills, unless `as_of` is
-- set and that period has ended by then (as_of is its last day, or later); cells of
-- every earlier period are complete.
-- To reuse: copy this file into your project's analyses/ folder and change only the
-- parameter block below (nothing after it names a model, an event or a window); then
-- `dbt compile --select activation_cohort_retention` writes the SQL to
-- target/compiled/<your project name>/analyses/activation_cohort_retention.sql.
{#- ==== parameters: change only this block ==== #}
{% set activation_model = ref('fact_app_visit_activation_weekly') %} {#- an activation_states model #}
{% set grain = 'week' %} {#- the model's grain: 'day', 'week' or 'month' #}
{% set as_of = none %} {#- none, or the model's as_of date ('YYYY-MM-DD') if it has one #}
{#- ==== end of parameters ==== #}
{#- ---- checks of the block and values derived from it (nothing to change below) ---- #}
{%- if execute and grain not in ['day', 'week', 'month'] %}
    {{- exceptions.raise_compiler_error(
        "activation_cohort_retention: grain must be one of 'day', 'week', 'month'; got \""
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
            "activation_cohort_retention: as_of must be none or a date 'YYYY-MM-DD'; got \""
            ~ as_of ~ "\"") }}
    {%- endif %}
{%- endif %}

{#- periods from `first` to `second` (period starts): weeks are whole days / 7 #}
{%- if grain == 'week' %}
    {%- set periods_since_cohort = 'cast(floor(' ~ dbt.datediff(
        'cohort_periods.cohort_period', 'cohort_periods.period_start', 'day')
        ~ ' / 7) as ' ~ dbt.type_int() ~ ')' %}
    {%- set model_periods = 'cast(floor(' ~ dbt.datediff(
        'model_range.first_period', 'model_range.last_period', 'day')
        ~ ' / 7) as ' ~ dbt.type_int() ~ ')' %}
    {%- set period_step = ['day', 7] %}
{%- else %}
    {%- set periods_since_cohort = dbt.datediff(
        'cohort_periods.cohort_period', 'cohort_periods.period_start', grain) %}
    {%- set model_periods = dbt.datediff(
        'model_range.first_period', 'model_range.last_period', grain) %}
    {%- set period_step = [grain, 1] %}
{%- endif %}

with activation as (

    select * from {{ activation_model }}

),

-- the model's first and last period; the open period is the last one
model_range as (

    select
        min(period_start) as first_period,
        max(period_start) as last_period
    from activation

),

-- 0, 1, 2, ... as integers (generate_series' numbers can be floats, which BigQuery's
-- intervals refuse)
offsets as (

    select cast(series.generated_number as {{ dbt.type_int() }}) - 1 as period_offset
    from ({{ dbt.generate_series(32768) }}) as series

),

-- every period of the model, with or without rows (at most 32,768)
periods as (

    select
        cast({{ dbt.dateadd(
            period_step[0],
            '(' ~ period_step[1] ~ ' * offsets.period_offset)',
            'model_range.first_period') }} as date) as period_start
    from offsets
    cross join model_range
    where offsets.period_offset <= {{ model_periods }}

),

period_status as (

    select
        (
            periods.period_start < model_range.last_period
            {%- if last_ended_period is not none %}
            or periods.period_start <= cast('{{ last_ended_period }}' as date)
            {%- endif %}
        ) as is_period_complete,
        periods.period_start
    from periods
    cross join model_range

),

cohorts as (

    select
        count(distinct user_id) as cohort_users,
        first_active_period as cohort_period
    from activation
    group by first_active_period

),

cohort_activity as (

    select
        count(distinct user_id) as active_users,
        first_active_period as cohort_period,
        period_start
    from activation
    where is_active
    group by first_active_period, period_start

),

-- every period from each cohort's start on, so that periods without activity show 0
cohort_periods as (

    select
        cohorts.cohort_users,
        period_status.is_period_complete,
        cohorts.cohort_period,
        period_status.period_start
    from cohorts
    inner join period_status
        on cohorts.cohort_period <= period_status.period_start

),

final as (

    select
        {{ periods_since_cohort }} as periods_since_cohort,
        cohort_periods.cohort_users,
        coalesce(cohort_activity.active_users, 0) as active_users,
        cast(coalesce(cohort_activity.active_users, 0) as {{ dbt.type_numeric() }})
        / cohort_periods.cohort_users as retention_rate,
        cohort_periods.is_period_complete,
        cohort_periods.cohort_period,
        cohort_periods.period_start
    from cohort_periods
    left outer join cohort_activity
        on
            cohort_periods.cohort_period = cohort_activity.cohort_period
            and cohort_periods.period_start = cohort_activity.period_start

)

select * from final
