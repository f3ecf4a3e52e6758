-- How long activity streaks last: the distribution of streak lengths (consecutive active
-- periods) of an activation model, each streak counted once at its final length (an
-- active row whose next row is not 'retained'). Streaks still running in the model's
-- latest period are counted apart as ongoing: their final length is not known yet.
-- Open period: open_period_streaks counts the streaks whose length can still change
-- because their last active row, or the churn row that ends them, is in the open period:
-- the model's last period (its latest period_start: the as-of period), which is still
-- filling up (a churned user who comes back before it ends continues the streak). It is
-- 0 when `as_of` is set and that period has ended by then (as_of is its last day, or
-- later); ongoing streaks then still run at the as-of date.
-- To reuse: copy this file into your project's analyses/ folder and change only the
-- parameter block below (nothing after it names a model, an event or a window); then
-- `dbt compile --select activation_streak_distribution` writes the SQL to
-- target/compiled/<your project name>/analyses/activation_streak_distribution.sql.
{#- ==== parameters: change only this block ==== #}
{% set activation_model = ref('fact_app_visit_activation_weekly') %} {#- an activation_states model #}
{% set grain = 'week' %} {#- the model's grain: 'day', 'week' or 'month' #}
{% set as_of = none %} {#- none, or the model's as_of date ('YYYY-MM-DD') if it has one #}
{#- ==== end of parameters ==== #}
{#- ---- checks of the block and values derived from it (nothing to change below) ---- #}
{%- if execute and grain not in ['day', 'week', 'month'] %}
    {{- exceptions.raise_compiler_error(
        "activation_streak_distribution: grain must be one of 'day', 'week', 'month'; got \""
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
            "activation_streak_distribution: as_of must be none or a date 'YYYY-MM-DD'; got \""
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

user_rows as (

    select
        user_id,
        activation_state,
        lead(activation_state) over (
            partition by user_id order by period_start
        ) as next_state,
        lead(period_start) over (
            partition by user_id order by period_start
        ) as next_period_start,
        active_streak,
        is_active,
        period_start
    from activation

),

-- the last active row of each streak: the streak's final length
streak_ends as (

    select
        user_rows.active_streak as streak_length,
        user_rows.next_state is null as is_ongoing,
        -- final: its last active row, or the churn row after it, is in a complete period
        (
            coalesce(user_rows.next_period_start, user_rows.period_start) < last_period.period_start
            {%- if last_ended_period is not none %}
            or coalesce(user_rows.next_period_start, user_rows.period_start)
            <= cast('{{ last_ended_period }}' as date)
            {%- endif %}
        ) as is_length_final
    from user_rows
    cross join last_period
    where
        user_rows.is_active
        and (user_rows.next_state is null or user_rows.next_state != 'retained')

),

streak_lengths as (

    select
        streak_length,
        count(*) as streaks,
        sum(case when is_ongoing then 0 else 1 end) as ended_streaks,
        sum(case when is_ongoing then 1 else 0 end) as ongoing_streaks,
        sum(case when is_length_final then 0 else 1 end) as open_period_streaks
    from streak_ends
    group by streak_length

),

final as (

    select
        streak_length,
        streaks,
        ended_streaks,
        ongoing_streaks,
        open_period_streaks,
        cast(streaks as {{ dbt.type_numeric() }})
        / sum(streaks) over () as share_of_streaks
    from streak_lengths

)

select * from final
