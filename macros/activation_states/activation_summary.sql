{#-
    activation_summary: one row per period of an activation model (every period from its
    first period_start to the as-of period, or its last period_start when later, zeros
    where nothing happened) with the growth accounting counts and rates. Rebuilt as a
    table on each run: it has one row per period.
-#}
{% macro activation_summary(activation, grain=none, as_of=none) %}
    {%- set macro_name = 'activation_summary' -%}
    {%- do dbt_activation._validate_relation(macro_name, 'activation', activation) -%}
    {%- set grain = dbt_activation._validate_grain(macro_name, activation, grain) -%}
    {%- set as_of = dbt_activation._validate_date(macro_name, 'as_of',
        dbt_activation._activation_var('activation__as_of', as_of)) -%}
    {%- do dbt_activation._validate_columns(macro_name, activation,
        [['activation (a model built by activation_states)', 'activation_state']]) -%}
    {%- do config(materialized='table') -%}

    {{ return(adapter.dispatch('activation_summary', 'dbt_activation')(activation, grain, as_of)) }}
{% endmacro %}


{% macro default__activation_summary(activation, grain, as_of) %}
{%- set bounds = dbt_activation._activation_summary_bounds(activation, grain, as_of) -%}
{%- set float_type = dbt_activation._type_double() -%}
{%- set int_type = dbt.type_bigint() -%}

with activation as (

    select * from {{ activation }}

),

periods as (

    {% if bounds is none -%}
    select cast(null as date) as period_start
    from activation
    where false
    {%- else -%}
    {{ dbt_activation._period_spine(grain, bounds.first, bounds.after_last) }}
    {%- endif %}

),

counts as (

    select
        period_start,
        count(case when is_active then 1 end) as active_users,
        count(case when activation_state = 'new' then 1 end) as new_users,
        count(case when activation_state = 'retained' then 1 end) as retained_users,
        count(case when activation_state = 'reactivated' then 1 end) as reactivated_users,
        count(case when activation_state = 'inactive' then 1 end) as churned_users
    from activation
    group by period_start

),

filled as (

    select
        periods.period_start,
        coalesce(counts.active_users, 0) as active_users,
        coalesce(counts.new_users, 0) as new_users,
        coalesce(counts.retained_users, 0) as retained_users,
        coalesce(counts.reactivated_users, 0) as reactivated_users,
        coalesce(counts.churned_users, 0) as churned_users
    from periods
    left join counts
        on periods.period_start = counts.period_start

),

-- dormant: ever active before this period and not active in it
with_dormant as (

    select
        filled.*,
        cast(
            sum(new_users) over (order by period_start rows unbounded preceding)
            - new_users - retained_users - reactivated_users
            as {{ int_type }}
        ) as dormant_users
    from filled

),

final as (

    select
        period_start,
        cast(active_users as {{ int_type }}) as active_users,
        cast(new_users as {{ int_type }}) as new_users,
        cast(retained_users as {{ int_type }}) as retained_users,
        cast(reactivated_users as {{ int_type }}) as reactivated_users,
        cast(churned_users as {{ int_type }}) as churned_users,
        dormant_users,
        cast(retained_users as {{ float_type }})
        / nullif(lag(active_users) over (order by period_start), 0) as retention_rate,
        cast(reactivated_users as {{ float_type }})
        / nullif(lag(dormant_users) over (order by period_start), 0) as reactivation_rate,
        cast(new_users + reactivated_users as {{ float_type }})
        / nullif(churned_users, 0) as quick_ratio
    from with_dormant

)

select * from final
{% endmacro %}


{#- `select ... as period_start`: one row per period start from `first` up to, not including,
    `after_last` (DATE literals). -#}
{% macro _period_spine(grain, first, after_last) %}
    {{ return(adapter.dispatch('_period_spine', 'dbt_activation')(grain, first, after_last)) }}
{% endmacro %}

{% macro default___period_spine(grain, first, after_last) -%}
    select cast(date_{{ grain }} as date) as period_start
    from ({{ dbt.date_spine(grain, first, after_last) }}) as spine
{%- endmacro %}

{#- Spark: dbt's spark__dateadd multiplies an unparenthesised interval (`row_number() ... - 1 * 7`),
    which shifts dbt.date_spine's weeks; sequence() over dates is native. -#}
{% macro spark___period_spine(grain, first, after_last) -%}
    select explode(sequence({{ first }}, {{ dbt_activation._add_periods(after_last, -1, grain) }},
        interval 1 {{ grain }})) as period_start
{%- endmacro %}


{#- `select ... as period_start`: every period of an activation model, from its first
    period_start to its last, with or without rows (the analyses' calendar). The range is
    read in SQL (nothing is fixed at compile time, so the compiled query stays valid on
    another model of the same grain); at most 32,768 periods. -#}
{% macro _model_periods(activation, grain) -%}
    {%- set offset = '(series.generated_number - 1)' -%}
    select
        cast({{ dbt_activation._dateadd(
            'day' if grain == 'week' else grain,
            '7 * ' ~ offset if grain == 'week' else offset,
            'model_range.first_period') }} as date) as period_start
    from ({{ dbt.generate_series(32768) }}) as series
    cross join (
        select
            min(period_start) as first_period,
            max(period_start) as last_period
        from {{ activation }}
    ) as model_range
    where {{ offset }} <= {{ dbt_activation._periods_between(
        'model_range.first_period', 'model_range.last_period', grain) }}
{%- endmacro %}


{#- The first period and the period after the last one (aligned, as date_spine counts whole
    periods), as SQL date literals read at compile time; none when the model is empty or
    not built yet. The last period is the model's last period_start or, when later, the
    period of `as_of` (the model has no rows for the inactive periods before it). -#}
{% macro _activation_summary_bounds(activation, grain, as_of) %}
    {%- if not dbt_activation._is_queryable(activation) or adapter.get_relation(
        database=activation.database, schema=activation.schema,
        identifier=activation.identifier) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select min(period_start), max(period_start) from {{ activation }}
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {%- if row[0] is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set first = row[0] if row[0].hour is not defined else row[0].date() -%}
    {%- set last = row[1] if row[1].hour is not defined else row[1].date() -%}
    {%- if as_of is not none -%}
        {%- set as_of_day = modules.datetime.datetime.strptime(as_of, '%Y-%m-%d').date() -%}
        {#- the period of as_of, aligned on the model's periods (its week start) -#}
        {%- if grain == 'month' -%}
            {%- set as_of_period = as_of_day.replace(day=1) -%}
        {%- elif grain == 'week' -%}
            {%- set as_of_period = as_of_day - modules.datetime.timedelta(days=(as_of_day - first).days % 7) -%}
        {%- else -%}
            {%- set as_of_period = as_of_day -%}
        {%- endif -%}
        {%- set last = [last, as_of_period] | max -%}
    {%- endif -%}
    {{ return({
        'first': dbt_activation._date_literal(first),
        'after_last': dbt_activation._date_literal(dbt_activation._py_next_period(last, grain)),
    }) }}
{% endmacro %}


{#- A double-precision float (dbt.type_float() is single precision on DuckDB and Spark). -#}
{% macro _type_double() %}
    {{ return(adapter.dispatch('_type_double', 'dbt_activation')()) }}
{% endmacro %}

{% macro default___type_double() %}
    {{ return('double precision') }}
{% endmacro %}

{% macro bigquery___type_double() %}
    {{ return('float64') }}
{% endmacro %}

{% macro spark___type_double() %}
    {{ return('double') }}
{% endmacro %}
