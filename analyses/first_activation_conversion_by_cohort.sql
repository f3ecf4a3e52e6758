-- Conversion to one key event within N days of the first visit, by cohort (the first
-- visit date): first-visit users, users whose first `key_event` came on day 1..N
-- (days_from_first_visit <= N, day 1 = the day of the first visit) and the rate.
-- A cohort whose window has not fully elapsed (cohort date + N - 1 after the latest date
-- in the data) has is_window_complete = false: its rate is shown, but can still rise.
-- To reuse: copy this file into your project's analyses/ folder and change only the
-- parameter block below (nothing after it names a model, an event or a window); then
-- `dbt compile --select first_activation_conversion_by_cohort` writes the SQL to
-- target/compiled/<your project name>/analyses/first_activation_conversion_by_cohort.sql.
{#- ==== parameters: change only this block ==== #}
{% set first_activation_model = ref('fact__first_activation_events') %} {#- a first_activation_events model #}
{% set first_visit_event = 'first_visit' %} {#- the model's first_visit_event #}
{% set key_event = 'add_to_cart' %} {#- a key event of the model #}
{% set conversion_window_days = 1 %} {#- N: within N days of the first visit (day 1 = its day) #}
{#- ==== end of parameters ==== #}

with first_activation_events as (

    select * from {{ first_activation_model }}

),

data_end as (

    select max(date) as latest_date
    from first_activation_events

),

cohorts as (

    select
        count(
            distinct case when event_name = '{{ first_visit_event }}' then user_id end
        ) as first_visit_users,
        count(
            distinct case
                when
                    event_name = '{{ key_event }}'
                    and days_from_first_visit <= {{ conversion_window_days }}
                    then user_id
            end
        ) as converted_users,
        first_visit_date as cohort_date
    from first_activation_events
    group by first_visit_date

),

final as (

    select
        cohorts.first_visit_users,
        cohorts.converted_users,
        cast(cohorts.converted_users as {{ dbt.type_numeric() }})
        / nullif(cohorts.first_visit_users, 0) as conversion_rate,
        cast(
            {{ dbt.dateadd('day', conversion_window_days - 1, 'cohorts.cohort_date') }} as date
        ) <= data_end.latest_date as is_window_complete,
        cohorts.cohort_date
    from cohorts
    cross join data_end

)

select * from final
