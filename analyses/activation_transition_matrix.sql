-- State transition matrix of an activation model over all periods: rows per
-- (previous_state, activation_state) and each cell's share of its previous state's rows
-- (each row of the matrix sums to 1). previous_state 'none' marks new users.
-- To reuse: point the ref below at any activation model (daily, weekly or monthly).

with activation as (

    select * from {{ ref('fact_app_visit_activation_weekly') }}

),

transitions as (

    select
        coalesce(previous_state, 'none') as previous_state,
        activation_state,
        count(*) as transition_rows
    from activation
    group by coalesce(previous_state, 'none'), activation_state

),

final as (

    select
        previous_state,
        activation_state,
        transition_rows,
        cast(transition_rows as {{ dbt.type_numeric() }})
        / sum(transition_rows) over (partition by previous_state) as share_of_previous_state
    from transitions

)

select * from final
