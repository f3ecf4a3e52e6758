{#- first_activation_events, reads: the CTEs of the users and the key events read, and on
    incremental runs the users whose first visit is new or moved. -#}
{% macro _first_activation_reads(plan, events, users, key_events, user_id, event_name, event_at,
    first_visit_at, first_visit_event, timezone, events_partition_column) %}
{%- set incremental = is_incremental() -%}
{%- set key_event_list = "'" ~ key_events | join("', '") ~ "'" -%}

users_source as (

    select
        {{ user_id }} as user_id,
        min({{ first_visit_at }}) as first_visit_at
    from {{ users }}
    where {{ user_id }} is not null and {{ first_visit_at }} is not null
    group by {{ user_id }}

),

events_source as (

    select
        {{ user_id }} as user_id,
        {{ event_name }} as event_name,
        {{ event_at }} as event_at
    from {{ events }}
    where
        {{ user_id }} is not null
        and {{ event_at }} is not null
        and {{ event_name }} in ({{ key_event_list }})
        {%- if incremental %}
        and (
            ({{ dbt_activation._scan_since(event_at, events_partition_column, plan.scan_from) }})
            {%- if plan.backfill_events %}
            or {{ event_name }} in ('{{ plan.backfill_events | join("', '") }}')
            {%- endif %}
        )
        {%- endif %}

),

first_visits as (

    select
        user_id,
        first_visit_at,
        {{ dbt_activation._local_timestamp('first_visit_at', timezone) }} as first_visit_datetime
    from users_source

),

{%- if incremental %}

stored_first_visits as (

    select
        user_id,
        first_visit_datetime
    from {{ this }}
    where event_name = '{{ first_visit_event }}'

),

-- users new to the model, or whose first visit moved: all their rows are rewritten
changed_users as (

    select first_visits.user_id
    from first_visits
    left join stored_first_visits
        on first_visits.user_id = stored_first_visits.user_id
    where
        stored_first_visits.user_id is null
        or stored_first_visits.first_visit_datetime <> first_visits.first_visit_datetime

),
{%- endif %}
{% endmacro %}
