-- Events of users with no row in dim__users (no first visit) cannot enter the funnel;
-- warn with their count.
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
        count(*) as events
    from events
    left join users
        on events.user_id = users.user_id
    where users.user_id is null
    group by events.user_id

)

select * from final
