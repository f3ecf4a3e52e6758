-- partitioned by the UTC event date where the engine bills or prunes by partition: the
-- activation models name `date` as their source partition column
{{ config(partition_by={'field': 'date', 'data_type': 'date'} if target.type == 'bigquery' else none) }}

with events as (

    select * from {{ ref('stg_app__events') }}

),

final as (

    select
        event_id,
        user_id,
        event_name,
        country,
        device_os,
        cast(event_at as date) as date,
        event_at as datetime
    from events

)

select * from final
