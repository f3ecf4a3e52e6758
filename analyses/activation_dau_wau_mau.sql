-- Daily, weekly and monthly active users per day and stickiness: DAU = users active that
-- day, WAU = distinct users active in the 7 days ending that day, MAU = in the 30 days
-- ending that day, with DAU / MAU and DAU / WAU. Read from the active rows of a DAILY
-- activation model. While fewer than 30 (7) days of data precede a day, its MAU (WAU)
-- undercounts: is_mau_window_complete (is_wau_window_complete) is false there.
-- Every day of the model is shown, zeros where nobody was active.
-- To reuse: point the ref below at a daily activation model; change the window lengths
-- with `wau_days` and `mau_days`.
{% set wau_days = 7 %}
{% set mau_days = 30 %}

{% set activation_model = ref('fact_app_visit_activation_daily') %}

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

-- every day of the model, with or without rows
calendar as (

    select period_start as activity_date
    from ({{ dbt_activation._model_periods(activation_model, 'day') }}) as model_days

),

data_start as (

    select min(activity_date) as first_date
    from calendar

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
        ) >= data_start.first_date as is_wau_window_complete,
        cast(
            {{ dbt.dateadd('day', 1 - mau_days, 'calendar.activity_date') }} as date
        ) >= data_start.first_date as is_mau_window_complete,
        calendar.activity_date
    from calendar
    cross join data_start
    left outer join daily_users
        on calendar.activity_date = daily_users.activity_date
    left outer join trailing_users
        on calendar.activity_date = trailing_users.activity_date

)

select * from final
