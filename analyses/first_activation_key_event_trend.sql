-- Users converting to each key event per day: the day of their FIRST occurrence of the
-- event (at or after the first visit), however long after the first visit it came.
-- To reuse: copy this file into your project's analyses/ folder and change only the
-- parameter block below (nothing after it names a model, an event or a window); then
-- `dbt compile --select first_activation_key_event_trend` writes the SQL to
-- target/compiled/<your project name>/analyses/first_activation_key_event_trend.sql.
{#- ==== parameters: change only this block ==== #}
{% set first_activation_model = ref('fact__first_activation_events') %} {#- a first_activation_events model #}
{% set key_events = ['add_to_cart', 'purchase'] %} {#- key events of the model #}
{#- ==== end of parameters ==== #}
{#- ---- values derived from the block (nothing to change below) ---- #}
{%- set key_event_list = "'" ~ key_events | join("', '") ~ "'" %}

with first_activation_events as (

    select * from {{ first_activation_model }}

),

key_event_conversions as (

    select
        event_name,
        count(distinct user_id) as converted_users,
        date as conversion_date
    from first_activation_events
    where event_name in ({{ key_event_list }})
    group by event_name, date

),

final as (

    select
        event_name,
        converted_users,
        conversion_date
    from key_event_conversions

)

select * from final
