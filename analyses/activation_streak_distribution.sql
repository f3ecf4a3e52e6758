-- How long activity streaks last: the distribution of streak lengths (consecutive active
-- periods) of an activation model, each streak counted once at its final length (an
-- active row whose next row is not 'retained'). Streaks still running in the model's
-- latest period are counted apart as ongoing: their final length is not known yet.
-- To reuse: point the ref below at any activation model (daily, weekly or monthly).

with activation as (

    select * from {{ ref('fact_app_visit_activation_weekly') }}

),

user_rows as (

    select
        user_id,
        activation_state,
        lead(activation_state) over (
            partition by user_id order by period_start
        ) as next_state,
        active_streak,
        is_active,
        period_start
    from activation

),

-- the last active row of each streak: the streak's final length
streak_ends as (

    select
        active_streak as streak_length,
        next_state is null as is_ongoing
    from user_rows
    where
        is_active
        and (next_state is null or next_state != 'retained')

),

streak_lengths as (

    select
        streak_length,
        count(*) as streaks,
        sum(case when is_ongoing then 0 else 1 end) as ended_streaks,
        sum(case when is_ongoing then 1 else 0 end) as ongoing_streaks
    from streak_ends
    group by streak_length

),

final as (

    select
        streak_length,
        streaks,
        ended_streaks,
        ongoing_streaks,
        cast(streaks as {{ dbt.type_numeric() }})
        / sum(streaks) over () as share_of_streaks
    from streak_lengths

)

select * from final
