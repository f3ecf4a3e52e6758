with events as (

    select * from {{ ref('stg_app__events') }}

),

final as (

    select
        event_id,
        user_id,
        country,
        device_os,
        revenue,
        cast(event_at as date) as date,
        event_at as datetime
    from events
    where event_name = 'purchase'

)

select * from final
