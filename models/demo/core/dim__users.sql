with events as (

    select * from {{ ref('stg_app__events') }}

),

-- the first visit: the user's first_visit event (its earliest one, should there be two)
first_visits as (

    select
        user_id,
        utm_campaign,
        utm_medium,
        utm_source,
        event_at,
        row_number() over (partition by user_id order by event_at, event_id) as visit_rank
    from events
    where event_name = 'first_visit'

),

-- SCD type 1: the latest known country, device and app version, from the user's latest
-- event (ties: the largest event_id). A group-by and a join back, not a ranking of every
-- event: memory follows the users, not the events.
latest_times as (

    select
        user_id,
        max(event_at) as latest_at
    from events
    group by user_id

),

latest_events as (

    select
        events.user_id,
        events.country,
        events.device_os,
        events.app_version,
        row_number() over (partition by events.user_id order by events.event_id desc) as recency_rank
    from events
    inner join latest_times
        on
            events.user_id = latest_times.user_id
            and events.event_at = latest_times.latest_at

),

final as (

    select
        first_visits.user_id,
        latest_events.country,
        latest_events.device_os,
        latest_events.app_version,
        first_visits.utm_campaign as first_campaign,
        first_visits.utm_medium as first_medium,
        first_visits.utm_source as first_source,
        cast(first_visits.event_at as date) as first_date,
        first_visits.event_at as first_datetime
    from first_visits
    inner join latest_events
        on first_visits.user_id = latest_events.user_id
    where first_visits.visit_rank = 1 and latest_events.recency_rank = 1

)

select * from final
