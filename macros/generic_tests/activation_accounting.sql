{#-
    activation_accounting: the accounting identities of an activation model (a model built
    by activation_states), checked for every period p up to the latest period_start in the
    model (the as-of period):
      - active(p) = new(p) + retained(p) + reactivated(p): is_active is true exactly on
        new, retained and reactivated rows;
      - retained(p) + inactive(p) = active(p - 1): every user active in p - 1 either stays
        (retained) or churns (inactive) in p, and nobody else does;
      - each user has exactly one new row, it is the user's earliest row, and its
        period_start is the first_active_period of all the user's rows.
    Returns one row per violation: violation (what failed), period_start and user_id (where
    it applies), actual_value and expected_value (the counts compared, when counts are).
-#}
{% test activation_accounting(model, grain=none) %}
    {%- set grain = dbt_activation._activation_model_settings('activation_accounting', model, grain).grain -%}
    {{ return(adapter.dispatch('test_activation_accounting', 'dbt_activation')(model, grain)) }}
{% endtest %}


{% macro default__test_activation_accounting(model, grain) %}
{%- set int_type = dbt.type_bigint() -%}

with model_rows as (

    select
        period_start,
        user_id,
        activation_state,
        is_active,
        first_active_period
    from {{ model }}

),

-- is_active must be true exactly on the active states
is_active_mismatches as (

    select
        'is_active disagrees with activation_state' as violation,
        period_start,
        user_id,
        cast(null as {{ int_type }}) as actual_value,
        cast(null as {{ int_type }}) as expected_value
    from model_rows
    where
        is_active is null
        or (activation_state in ('new', 'retained', 'reactivated') and not is_active)
        or (
            coalesce(activation_state, 'inactive') not in ('new', 'retained', 'reactivated')
            and is_active
        )

),

-- active users are counted by state; is_active agrees with the state when the check above
-- passes, and counting by state keeps a wrong is_active from being reported twice
period_counts as (

    select
        period_start,
        count(case when activation_state in ('new', 'retained', 'reactivated') then 1 end)
            as active_users,
        count(case when activation_state in ('retained', 'inactive') then 1 end)
            as retained_or_inactive_users
    from model_rows
    group by period_start

),

latest_period as (

    select max(period_start) as latest_period_start
    from model_rows

),

-- the periods with rows, and the period after each of them (whose rows may be missing),
-- up to the latest period in the model
candidate_periods as (

    select period_start
    from period_counts

    union all

    select {{ dbt_activation._add_periods('period_start', 1, grain) }} as period_start
    from period_counts

),

checked_periods as (

    select distinct
        candidate_periods.period_start,
        {{ dbt_activation._add_periods('candidate_periods.period_start', -1, grain) }}
            as previous_period_start
    from candidate_periods
    inner join latest_period
        on candidate_periods.period_start <= latest_period.latest_period_start

),

-- retained(p) + inactive(p) = active(p - 1)
continuity_mismatches as (

    select
        'retained + inactive users differ from the active users of the previous period'
            as violation,
        checked_periods.period_start,
        null as user_id,
        coalesce(current_period.retained_or_inactive_users, 0) as actual_value,
        coalesce(previous_period.active_users, 0) as expected_value
    from checked_periods
    left join period_counts as current_period
        on checked_periods.period_start = current_period.period_start
    left join period_counts as previous_period
        on checked_periods.previous_period_start = previous_period.period_start
    where
        coalesce(current_period.retained_or_inactive_users, 0)
        <> coalesce(previous_period.active_users, 0)

),

users as (

    select
        user_id,
        min(period_start) as earliest_period_start,
        min(case when activation_state = 'new' then period_start end) as new_period_start,
        count(case when activation_state = 'new' then 1 end) as new_rows
    from model_rows
    group by user_id

),

new_row_count_mismatches as (

    select
        'user does not have exactly one new row' as violation,
        cast(null as date) as period_start,
        user_id,
        new_rows as actual_value,
        1 as expected_value
    from users
    where new_rows <> 1

),

-- the user's earliest row must be the new row (with exactly one new row, this makes it
-- the earliest)
earliest_row_mismatches as (

    select
        'earliest row of the user is not a new row' as violation,
        model_rows.period_start,
        model_rows.user_id,
        cast(null as {{ int_type }}) as actual_value,
        cast(null as {{ int_type }}) as expected_value
    from model_rows
    inner join users
        on
            model_rows.user_id = users.user_id
            and model_rows.period_start = users.earliest_period_start
    where coalesce(model_rows.activation_state, 'none') <> 'new'

),

first_active_period_mismatches as (

    select
        'first_active_period differs from the period of the new row' as violation,
        model_rows.period_start,
        model_rows.user_id,
        cast(null as {{ int_type }}) as actual_value,
        cast(null as {{ int_type }}) as expected_value
    from model_rows
    inner join users
        on model_rows.user_id = users.user_id
    where
        users.new_period_start is not null
        and (
            model_rows.first_active_period is null
            or model_rows.first_active_period <> users.new_period_start
        )

),

final as (

    select * from is_active_mismatches
    union all
    select * from continuity_mismatches
    union all
    select * from new_row_count_mismatches
    union all
    select * from earliest_row_mismatches
    union all
    select * from first_active_period_mismatches

)

select * from final
{% endmacro %}
