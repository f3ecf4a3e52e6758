{#- The statement's end, after the CTE `final` (the rows to write). On engines that merge on
    the grain it is `select * from final`. -#}
{% macro _first_activation_output(plan, configuration) %}
    {{ return(adapter.dispatch('_first_activation_output', 'dbt_activation')(plan, configuration)) }}
{% endmacro %}


{% macro default___first_activation_output(plan, configuration) %}
select * from final
{%- endmacro %}


{#- Spark (parquet: no MERGE, no DELETE) overwrites whole `date` partitions: an incremental
    run emits every row of each partition it touches, i.e. of the new rows and of the stored
    rows they replace or that must go (the cleanup of the other engines' post-hook), and a
    tombstone for a touched partition left empty. -#}
{% macro spark___first_activation_output(plan, configuration) %}
{%- set key_events, first_visit_event = configuration.key_events, configuration.first_visit_event -%}
{%- if plan.mode == 'full_build' %}
select * from final
{%- else -%}
{%- set columns = ['date', 'datetime', 'user_id', 'event_name', 'first_visit_date',
    'first_visit_datetime', 'hours_from_first_visit', 'days_from_first_visit'] -%}
{%- set bound = plan.details.merge_bound -%}
{%- set bound = none if not bound else dbt_activation._date_literal(dbt_activation._as_date(bound['from'])) -%},

-- stored rows replaced by a row of `final`, of a user whose first visit is new or moved,
-- or of a key event taken out of key_events
dropped_rows as (

    select
        stored_row.date,
        stored_row.user_id,
        stored_row.event_name
    from {{ this }} as stored_row
    left join final
        on
            stored_row.user_id = final.user_id
            and stored_row.event_name = final.event_name
    left join changed_users
        on stored_row.user_id = changed_users.user_id
    where
        (
            final.user_id is not null
            or changed_users.user_id is not null
            or stored_row.event_name not in ('{{ (key_events + [first_visit_event]) | join("', '") }}')
        )
        {%- if bound is not none %}
        -- every row the run replaces or drops is at or after its bound
        and stored_row.date >= {{ bound }}
        {%- endif %}

),

touched_dates as (

    select final.date from final
    union distinct
    select dropped_rows.date from dropped_rows

),

-- the other stored rows of the touched partitions, written back unchanged
kept_rows as (

    select
        {%- for column in columns %}
        stored_row.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ this }} as stored_row
    inner join touched_dates
        on stored_row.date = touched_dates.date
    left join dropped_rows
        on
            stored_row.user_id = dropped_rows.user_id
            and stored_row.event_name = dropped_rows.event_name
    where
        dropped_rows.user_id is null
        -- a tombstone left by an interrupted run is not kept
        and stored_row.event_name is not null
        {%- if bound is not none %}
        -- the touched partitions are at or after the bound
        and stored_row.date >= {{ bound }}
        {%- endif %}

),

-- touched partitions left without any row: one tombstone row each (event_name null), so
-- that the overwrite empties them; the post-hook drops them
emptied_dates as (

    select touched_dates.date
    from touched_dates
    left join (
        select final.date from final
        union distinct
        select kept_rows.date from kept_rows
    ) as written
        on touched_dates.date = written.date
    where written.date is null

)

select {{ columns | join(', ') }} from final
union all
select {{ columns | join(', ') }} from kept_rows
union all
select
    emptied_dates.date,
    cast(null as timestamp) as datetime,
    cast(null as string) as user_id,
    cast(null as string) as event_name,
    cast(null as date) as first_visit_date,
    cast(null as timestamp) as first_visit_datetime,
    cast(null as int) as hours_from_first_visit,
    cast(null as int) as days_from_first_visit
from emptied_dates
{%- endif %}
{%- endmacro %}
