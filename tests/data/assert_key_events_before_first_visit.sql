-- Key events that happened before the user's first visit are not part of the funnel
-- (first_activation_events ignores them); warn with their count so that a source whose
-- first visits look wrong is noticed.
{{ config(severity='warn') }}

with events as (

    select * from {{ ref('fact__events') }}

),

users as (

    select * from {{ ref('dim__users') }}

),

final as (

    select
        events.user_id,
        events.event_name,
        events.datetime,
        users.first_datetime
    from events
    inner join users
        on events.user_id = users.user_id
    where
        events.event_name in ({{ "'" ~ var('demo__key_events', ['add_to_cart', 'purchase']) | join("', '") ~ "'" }})
        and events.datetime < users.first_datetime

)

select * from final
