-- The squad's core metric for the users of one country, by cohort (the first visit date):
-- first-visit users, users doing key event 1 within N days, and users doing key event 1
-- within N days AND key event 2 within M days (the same user meets both conditions), with
-- the step rates and the overall rate. Day 1 is the day of the first visit.
-- The country is the user's value in the users model (the demo's dim__users keeps the
-- latest one, SCD type 1), not the country at the first visit; any text column of the
-- users model can be the segment (`country_column`). The mart keeps each event's first
-- occurrence only, so both conditions are checked on first occurrences; their order
-- within the windows is not required.
-- A cohort whose longest window (max(N, M) days) has not fully elapsed by the latest date
-- in the data (all countries) has is_window_complete = false: its rates can still rise.
-- To reuse: copy this file into your project's analyses/ folder and change only the
-- parameter block below (nothing after it names a model, an event or a window); then
-- `dbt compile --select first_activation_core_metric_by_country` writes the SQL to
-- target/compiled/<your project name>/analyses/first_activation_core_metric_by_country.sql.
{#- ==== parameters: change only this block ==== #}
{% set first_activation_model = ref('fact__first_activation_events') %} {#- a first_activation_events model #}
{% set first_visit_event = 'first_visit' %} {#- the model's first_visit_event #}
{% set users_model = ref('dim__users') %} {#- one row per user, with the segment column #}
{% set users_user_id_column = 'user_id' %} {#- its user column #}
{% set country_column = 'country' %} {#- its segment column (any text column works) #}
{% set country = 'United States' %} {#- the segment value whose users are counted #}
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

users as (

    select * from {{ users_model }}

),

country_users as (

    select {{ users_user_id_column }} as user_id
    from users
    where {{ country_column }} = '{{ country }}'

),

data_end as (

    select max(date) as latest_date
    from first_activation_events

),

-- one row per first-visit user of the country: did each key event come within its window?
user_conversions as (

    select
        first_activation_events.user_id,
        max(
            case
                when
                    first_activation_events.event_name = '{{ key_event_1 }}'
                    and first_activation_events.days_from_first_visit
                    <= {{ key_event_1_window_days }}
                    then 1
                else 0
            end
        ) = 1 as has_key_event_1,
        max(
            case
                when
                    first_activation_events.event_name = '{{ key_event_2 }}'
                    and first_activation_events.days_from_first_visit
                    <= {{ key_event_2_window_days }}
                    then 1
                else 0
            end
        ) = 1 as has_key_event_2,
        first_activation_events.first_visit_date
    from first_activation_events
    inner join country_users
        on first_activation_events.user_id = country_users.user_id
    group by first_activation_events.user_id, first_activation_events.first_visit_date
    having
        max(
            case when first_activation_events.event_name = '{{ first_visit_event }}' then 1 else 0 end
        ) = 1

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
