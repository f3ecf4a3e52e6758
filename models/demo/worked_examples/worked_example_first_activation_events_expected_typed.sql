-- The expected rows of the first-activation example with its wall-clock columns in the type
-- first_activation_events returns them in: DATETIME on BigQuery, timestamp elsewhere. The
-- seed holds them as timestamps (UTC: the same clock reading), because the BigQuery emulator
-- the tests run on cannot load a CSV into a DATETIME column.
{%- set wall_clock_type = 'datetime' if target.type == 'bigquery' else dbt.type_timestamp() %}

with expected as (

    select * from {{ ref('worked_example_first_activation_events_expected') }}

),

final as (

    select
        date,
        cast(datetime as {{ wall_clock_type }}) as datetime,
        user_id,
        event_name,
        first_visit_date,
        cast(first_visit_datetime as {{ wall_clock_type }}) as first_visit_datetime,
        hours_from_first_visit,
        days_from_first_visit
    from expected

)

select * from final
