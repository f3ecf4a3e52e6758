-- The benchmark's limit query for first_activation_events (src/activation_demo/benchmark_limits.py):
-- first_activation_events: min per user and key event at or after the first visit,
-- joined to the user's first visit, plus one first_visit row per user.
-- A template: {out}, {models} and the other names in braces are filled by Python.
create or replace table {out} as
with users as (

    select user_id, first_datetime
    from {models}.dim__users
    where user_id is not null and first_datetime is not null

),

firsts as (

    select users.user_id, 'first_visit' as event_name, users.first_datetime as datetime
    from users

    union all

    select events.user_id, events.event_name, min(events.datetime) as datetime
    from {models}.fact__events as events
    inner join users
        on events.user_id = users.user_id
    where
        events.event_name in ({key_events})
        and events.datetime >= users.first_datetime
    group by events.user_id, events.event_name

)

select
    cast(firsts.datetime as date) as date,
    firsts.datetime,
    firsts.user_id,
    firsts.event_name,
    cast(users.first_datetime as date) as first_visit_date,
    users.first_datetime as first_visit_datetime,
    date_diff('hour', date_trunc('hour', users.first_datetime), date_trunc('hour', firsts.datetime)) + 1
        as hours_from_first_visit,
    date_diff('day', cast(users.first_datetime as date), cast(firsts.datetime as date)) + 1
        as days_from_first_visit
from firsts
inner join users
    on firsts.user_id = users.user_id
