-- Users converting to each key event per day: the day of their FIRST occurrence of the
-- event (at or after the first visit), however long after the first visit it came.
-- To reuse: point the ref below at your first-activation model and set `key_events`.
{% set key_events = ['add_to_cart', 'purchase'] %}
{% set key_event_list = "'" ~ key_events | join("', '") ~ "'" %}

with first_activation_events as (

    select * from {{ ref('fact__first_activation_events') }}

),

key_event_conversions as (

    select
        event_name,
        count(distinct user_id) as converted_users,
        date as conversion_date
    from first_activation_events
    where event_name in ({{ key_event_list }})
    group by event_name, date

),

final as (

    select
        event_name,
        converted_users,
        conversion_date
    from key_event_conversions

)

select * from final
