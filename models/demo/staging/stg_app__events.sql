with source as (

    select * from {{ source('app', 'app_events') }}

),

renamed as (

    select
        event_id,
        user_id,
        event_name,
        country,
        device_os,
        app_version,
        utm_campaign,
        utm_medium,
        utm_source,
        revenue,
        event_at
    from source

)

select * from renamed
