-- Daily, weekly and monthly active users per day and stickiness: DAU = users active that
-- day, WAU = distinct users active in the `wau_days` (7) days ending that day, MAU = in
-- the `mau_days` (30) days ending that day, with DAU / MAU and DAU / WAU. Read from the
-- active rows of a DAILY activation model. While fewer than `mau_days` (`wau_days`) days
-- of data precede a day, its MAU (WAU) undercounts: is_mau_window_complete
-- (is_wau_window_complete) is false there. Every day of the model is shown, zeros where
-- nobody was active.
-- Open period: is_period_complete is false on the model's last day (its latest
-- period_start: the as-of day), whose DAU, WAU and MAU still change as it fills, unless
-- `as_of` is set to that day (or later); every earlier day is complete.
-- To reuse: copy this file into your project's analyses/ folder and change only the
-- parameter block below (nothing after it names a model, an event or a window); then
-- `dbt compile --select activation_dau_wau_mau` writes the SQL to
-- target/compiled/<your project name>/analyses/activation_dau_wau_mau.sql.
{#- ==== parameters: change only this block ==== #}
{% set activation_model = ref('fact_app_visit_activation_daily') %} {#- a DAILY activation_states model #}
{% set wau_days = 7 %} {#- the WAU window, in days #}
{% set mau_days = 30 %} {#- the MAU window, in days #}
{% set as_of = none %} {#- none, or the model's as_of date ('YYYY-MM-DD') if it has one #}
{#- ==== end of parameters ==== #}
{#- ---- checks of the block and values derived from it (nothing to change below) ---- #}
{#- with as_of: the latest complete day #}
{%- set last_ended_period = none %}
{%- if as_of is not none %}
    {%- set parts = modules.re.findall(
        '^([0-9]{4})-([0-9]{2})-([0-9]{2})$', as_of if as_of is string else '') %}
    {%- set year, month, day = (parts[0] if parts else ['0', '0', '0']) | map('int') | list %}
    {%- set month_days = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28,
        31, 30, 31, 30, 31, 31, 30, 31, 30, 31] %}
    {%- if year >= 1 and 1 <= month <= 12 and 1 <= day <= month_days[month - 1] %}
        {%- set last_ended_period = modules.datetime.date(year, month, day) %}
    {%- elif execute %}
        {{- exceptions.raise_compiler_error(
            "activation_dau_wau_mau: as_of must be none or a date 'YYYY-MM-DD'; got \""
            ~ as_of ~ "\"") }}
    {%- endif %}
{%- endif %}

with daily_activation as (

    select * from {{ activation_model }}

),

active_days as (

    select
        user_id,
        period_start as activity_date
    from daily_activation
    where is_active

),

-- the model's first and last day; the open period is the last one
model_range as (

    select
        min(period_start) as first_date,
        max(period_start) as last_date
    from daily_activation

),

-- 0, 1, 2, ... as integers (generate_series' numbers can be floats, which BigQuery's
-- intervals refuse)
offsets as (

    select cast(series.generated_number as {{ dbt.type_int() }}) - 1 as day_offset
    from ({{ dbt.generate_series(32768) }}) as series

),

-- every day of the model, with or without rows (at most 32,768)
calendar as (

    select
        cast(
            {{ dbt.dateadd('day', 'offsets.day_offset', 'model_range.first_date') }} as date
        ) as activity_date
    from offsets
    cross join model_range
    where
        offsets.day_offset
        <= {{ dbt.datediff('model_range.first_date', 'model_range.last_date', 'day') }}

),

daily_users as (

    select
        count(distinct user_id) as daily_active_users,
        activity_date
    from active_days
    group by activity_date

),

-- each day with the activity of the `mau_days` days ending on it
trailing_activity as (

    select
        active_days.user_id,
        active_days.activity_date >= cast(
            {{ dbt.dateadd('day', 1 - wau_days, 'calendar.activity_date') }} as date
        ) as is_in_wau_window,
        calendar.activity_date
    from calendar
    inner join active_days
        on
            calendar.activity_date >= active_days.activity_date
            and active_days.activity_date >= cast(
                {{ dbt.dateadd('day', 1 - mau_days, 'calendar.activity_date') }} as date
            )

),

trailing_users as (

    select
        count(distinct case when is_in_wau_window then user_id end) as weekly_active_users,
        count(distinct user_id) as monthly_active_users,
        activity_date
    from trailing_activity
    group by activity_date

),

final as (

    select
        coalesce(daily_users.daily_active_users, 0) as daily_active_users,
        coalesce(trailing_users.weekly_active_users, 0) as weekly_active_users,
        coalesce(trailing_users.monthly_active_users, 0) as monthly_active_users,
        cast(coalesce(daily_users.daily_active_users, 0) as {{ dbt.type_numeric() }})
        / nullif(trailing_users.monthly_active_users, 0) as dau_mau_stickiness,
        cast(coalesce(daily_users.daily_active_users, 0) as {{ dbt.type_numeric() }})
        / nullif(trailing_users.weekly_active_users, 0) as dau_wau_stickiness,
        cast(
            {{ dbt.dateadd('day', 1 - wau_days, 'calendar.activity_date') }} as date
        ) >= model_range.first_date as is_wau_window_complete,
        cast(
            {{ dbt.dateadd('day', 1 - mau_days, 'calendar.activity_date') }} as date
        ) >= model_range.first_date as is_mau_window_complete,
        (
            calendar.activity_date < model_range.last_date
            {%- if last_ended_period is not none %}
            or calendar.activity_date <= cast('{{ last_ended_period }}' as date)
            {%- endif %}
        ) as is_period_complete,
        calendar.activity_date
    from calendar
    cross join model_range
    left outer join daily_users
        on calendar.activity_date = daily_users.activity_date
    left outer join trailing_users
        on calendar.activity_date = trailing_users.activity_date

)

select * from final
