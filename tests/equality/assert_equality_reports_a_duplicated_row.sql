-- A negative test of dbt_activation.equality: equality_case_duplicated_row is the daily worked
-- example with minji's row of 2025-01-31 twice: the model has it twice and compare_model
-- once, two differing counts (a comparison of distinct rows would miss it).
-- This test fails (returns rows) if equality reports anything else: rows it reports that are
-- not wanted, and wanted rows it does not report.
with reported as (

    {{ dbt_activation.test_equality(
        model=ref('equality_case_duplicated_row'),
        compare_model=ref('worked_example_activation_daily_expected'),
    ) }}

),

reported_rows as (

    select
        in_relation,
        user_id,
        period_start,
        n_records
    from reported

),

wanted_rows as (

    select
        'model' as in_relation,
        'minji' as user_id,
        cast('2025-01-31' as date) as period_start,
        2 as n_records

    union all

    select
        'compare_model' as in_relation,
        'minji' as user_id,
        cast('2025-01-31' as date) as period_start,
        1 as n_records

),

unexpected_rows as (

    select * from reported_rows
    {{ dbt.except() }}
    select * from wanted_rows

),

unreported_rows as (

    select * from wanted_rows
    {{ dbt.except() }}
    select * from reported_rows

),

final as (

    select
        'reported, not wanted' as problem,
        in_relation,
        user_id,
        period_start,
        n_records
    from unexpected_rows

    union all

    select
        'wanted, not reported' as problem,
        in_relation,
        user_id,
        period_start,
        n_records
    from unreported_rows

)

select * from final
