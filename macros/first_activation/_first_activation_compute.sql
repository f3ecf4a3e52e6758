{#- first_activation_events, first occurrences: the CTEs from the earliest occurrences seen to
    the CTE final (the rows to write). -#}
{% macro _first_activation_compute(plan, configuration) %}
{%- set incremental = plan.mode != 'full_build' -%}
{%- set first_visit_event, timezone = configuration.first_visit_event, configuration.timezone -%}

-- earliest occurrence of each key event at or after the user's first visit: the earliest
-- instant (not wall-clock time, which repeats an hour when clocks go back), then its local time
seen_instants as (

    select
        events_source.user_id,
        events_source.event_name,
        min(events_source.event_at) as event_at
    from events_source
    inner join first_visits
        on events_source.user_id = first_visits.user_id
    where events_source.event_at >= first_visits.first_visit_at
    group by events_source.user_id, events_source.event_name

),

seen_occurrences as (

    select
        user_id,
        event_name,
        {{ dbt_activation._local_timestamp('event_at', timezone) }} as datetime
    from seen_instants

),

{%- if incremental %}

-- for users whose first visit did not change, the stored occurrence stays valid. One stored
-- before the bound (a partition read no more) is before the first instant read, so earlier
-- than any seen: only those at or after it are read
stored_occurrences as (

    select
        stored_row.user_id,
        stored_row.event_name,
        stored_row.datetime
    from {{ this }} as stored_row
    inner join seen_occurrences
        on
            stored_row.user_id = seen_occurrences.user_id
            and stored_row.event_name = seen_occurrences.event_name
    left join changed_users
        on stored_row.user_id = changed_users.user_id
    where
        changed_users.user_id is null
        {%- if plan.details.merge_bound %}
        and stored_row.date
        >= {{ dbt_activation._date_literal(dbt_activation._as_date(plan.details.merge_bound['from'])) }}
        {%- endif %}

),

-- what the run writes: occurrences not stored yet or earlier than the stored one, and every
-- occurrence of a user whose first visit is new or changed. A key event the user's state
-- holds with no stored occurrence read was stored before the bound: earlier (a key event
-- being backfilled is never held: its rows were not kept)
first_occurrences as (

    select
        seen_occurrences.user_id,
        seen_occurrences.event_name,
        seen_occurrences.datetime
    from seen_occurrences
    left join stored_occurrences
        on
            seen_occurrences.user_id = stored_occurrences.user_id
            and seen_occurrences.event_name = stored_occurrences.event_name
    left join changed_users
        on seen_occurrences.user_id = changed_users.user_id
    left join stored_users
        on seen_occurrences.user_id = stored_users.user_id
    where
        changed_users.user_id is not null
        or seen_occurrences.datetime < stored_occurrences.datetime
        or (
            stored_occurrences.user_id is null
            and (
                stored_users.user_id is null
                or not {{ dbt_activation._reached('stored_users.reached_key_events', 'seen_occurrences.event_name') }}
                {%- if plan.backfill_events %}
                or seen_occurrences.event_name in ('{{ plan.backfill_events | join("', '") }}')
                {%- endif %}
            )
        )

),
{%- else %}

first_occurrences as (

    select * from seen_occurrences

),
{%- endif %}

first_visit_rows as (

    select
        first_visits.user_id,
        '{{ first_visit_event }}' as event_name,
        first_visits.first_visit_datetime as datetime
    from first_visits
    {%- if incremental %}
    inner join changed_users
        on first_visits.user_id = changed_users.user_id
    {%- endif %}

),

final as (

    select
        cast(activations.datetime as date) as date,
        activations.datetime,
        activations.user_id,
        activations.event_name,
        cast(first_visits.first_visit_datetime as date) as first_visit_date,
        first_visits.first_visit_datetime,
        {#- datediff counts hour (day) boundaries crossed, which is the difference of the
            hour- (day-) truncated timestamps on every engine -#}
        cast(
            {{ dbt_activation._datediff('first_visits.first_visit_datetime', 'activations.datetime', 'hour') }} + 1
            as {{ dbt.type_int() }}
        ) as hours_from_first_visit,
        cast(
            {{ dbt_activation._datediff(
                'cast(first_visits.first_visit_datetime as date)',
                'cast(activations.datetime as date)', 'day') }} + 1
            as {{ dbt.type_int() }}
        ) as days_from_first_visit
    from (
        select user_id, event_name, datetime from first_visit_rows
        union all
        select user_id, event_name, datetime from first_occurrences
    ) as activations
    inner join first_visits
        on activations.user_id = first_visits.user_id

)
{% endmacro %}
