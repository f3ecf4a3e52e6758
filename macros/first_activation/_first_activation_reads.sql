{#- first_activation_events, reads: the CTEs of the users and the key events read, and on
    incremental runs the users' stored state (_first_activation_user_state.sql) and those
    whose first visit is new or moved. -#}
{% macro _first_activation_reads(plan, configuration, inputs) %}
{%- set incremental = plan.mode != 'full_build' -%}
{%- set user_id, event_name = configuration.user_id, configuration.event_name -%}
{%- set event_at = inputs.event_instant -%}
{%- set key_event_list = "'" ~ configuration.key_events | join("', '") ~ "'" -%}

users_source as (

    select
        {{ dbt_activation._as(user_id, 'user_id') }},
        min({{ inputs.first_visit_instant }}) as first_visit_at
    from {{ inputs.users }}
    where {{ user_id }} is not null and {{ inputs.first_visit_instant }} is not null
    group by {{ user_id }}

),

events_source as (

    select
        {{ dbt_activation._as(user_id, 'user_id') }},
        {{ dbt_activation._as(event_name, 'event_name') }},
        {{ event_at }} as event_at
    from {{ inputs.events }}
    where
        {{ user_id }} is not null
        and {{ event_at }} is not null
        and {{ event_name }} in ({{ key_event_list }})
        {%- if plan.watermark_at is not none %}
        and {{ event_at }} <= {{ dbt_activation._timestamp_literal(plan.watermark_at) }}
        {%- endif %}
        {%- if plan.first_instant_read is not none %}
        and (
            ({{ dbt_activation._scan_since(event_at, inputs.events_partition_column, plan.first_instant_read) }})
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
        {{ dbt_activation._local_timestamp('first_visit_at', configuration.timezone) }} as first_visit_datetime
    from users_source

),

{%- if incremental %}

-- per user, the stored first visit and the key events stored
stored_users as (

    select
        user_id,
        first_visit_datetime,
        reached_key_events
    from
        {%- if dbt_activation._first_activation_user_state_exists() %}
        {{ dbt_activation._first_activation_user_state_relation() }}
        {%- else %}
        {#- a unit test's fixture, or the table dropped by hand: from the stored rows -#}
        ({{ dbt_activation._first_activation_user_state_rows(this, configuration) }}) as stored_rows
        {%- endif %}

),

-- users new to the model, or whose first visit moved: all their rows are rewritten
changed_users as (

    select first_visits.user_id
    from first_visits
    left join stored_users
        on first_visits.user_id = stored_users.user_id
    where
        stored_users.user_id is null
        or stored_users.first_visit_datetime <> first_visits.first_visit_datetime

),
{%- endif %}
{% endmacro %}
