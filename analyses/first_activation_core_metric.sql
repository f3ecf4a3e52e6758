-- The squad's core metric, by cohort (the first visit date): first-visit users, users
-- doing key event 1 within N days, and users doing key event 1 within N days AND key
-- event 2 within M days (the same user meets both conditions), with the step rates and
-- the overall rate. Day 1 is the day of the first visit (days_from_first_visit <= N).
-- The mart keeps each event's first occurrence only, so both conditions are checked on
-- first occurrences; their order within the windows is not required.
-- A cohort whose longest window (max(N, M) days) has not fully elapsed by the latest date
-- in the data has is_window_complete = false: its rates are shown, but can still rise.
-- To reuse: copy this file into your project's analyses/ folder and change only the
-- parameter block below (nothing after it names a model, an event or a window); then
-- `dbt compile --select first_activation_core_metric` writes the SQL to
-- target/compiled/<your project name>/analyses/first_activation_core_metric.sql.
{#- ==== parameters: change only this block ==== #}
{% set first_activation_model = ref('fact__first_activation_events') %} {#- a first_activation_events model #}
{% set first_visit_event = 'first_visit' %} {#- the model's first_visit_event #}
{% set key_event_1 = 'add_to_cart' %} {#- a key event of the model #}
{% set key_event_1_window_days = 1 %} {#- N: within N days of the first visit (day 1 = its day) #}
{% set key_event_2 = 'purchase' %} {#- another key event of the model #}
{% set key_event_2_window_days = 7 %} {#- M: within M days of the first visit #}
{#- ==== end of parameters ==== #}
{#- ---- values derived from the block (nothing to change below) ---- #}
{%- set core_window_days = [key_event_1_window_days, key_event_2_window_days] | max %}

with first_activation_events as (

    select * from {{ first_activation_model }}

),

data_end as (

    select max(date) as latest_date
    from first_activation_events

),

-- one row per first-visit user: did each key event come within its window?
user_conversions as (

    select
        user_id,
        max(
            case
                when
                    event_name = '{{ key_event_1 }}'
                    and days_from_first_visit <= {{ key_event_1_window_days }}
                    then 1
                else 0
            end
        ) = 1 as has_key_event_1,
        max(
            case
                when
                    event_name = '{{ key_event_2 }}'
                    and days_from_first_visit <= {{ key_event_2_window_days }}
                    then 1
                else 0
            end
        ) = 1 as has_key_event_2,
        first_visit_date
    from first_activation_events
    group by user_id, first_visit_date
    having max(case when event_name = '{{ first_visit_event }}' then 1 else 0 end) = 1

),

cohorts as (

    select
        count(*) as first_visit_users,
        sum(case when has_key_event_1 then 1 else 0 end) as key_event_1_users,
        sum(case when has_key_event_1 and has_key_event_2 then 1 else 0 end) as core_users,
        first_visit_date as cohort_date
    from user_conversions
    group by first_visit_date

),

final as (

    select
        cohorts.first_visit_users,
        cohorts.key_event_1_users,
        cohorts.core_users,
        cast(cohorts.key_event_1_users as {{ dbt.type_numeric() }})
        / nullif(cohorts.first_visit_users, 0) as key_event_1_rate,
        cast(cohorts.core_users as {{ dbt.type_numeric() }})
        / nullif(cohorts.key_event_1_users, 0) as key_event_2_step_rate,
        cast(cohorts.core_users as {{ dbt.type_numeric() }})
        / nullif(cohorts.first_visit_users, 0) as core_rate,
        cast(
            {{ dbt.dateadd('day', core_window_days - 1, 'cohorts.cohort_date') }} as date
        ) <= data_end.latest_date as is_window_complete,
        cohorts.cohort_date
    from cohorts
    cross join data_end

)

select * from final
