-- How long users stay away before they come back: the distribution of inactive_periods
-- (whole periods without activity before the return) on reactivated rows of an
-- activation model, with each gap length's share of all reactivations.
-- To reuse: point the ref below at any activation model (daily, weekly or monthly).

with activation as (

    select * from {{ ref('fact_app_visit_activation_weekly') }}

),

gaps as (

    select
        inactive_periods,
        count(*) as reactivations
    from activation
    where activation_state = 'reactivated'
    group by inactive_periods

),

final as (

    select
        inactive_periods,
        reactivations,
        cast(reactivations as {{ dbt.type_numeric() }})
        / sum(reactivations) over () as share_of_reactivations
    from gaps

)

select * from final
