{#-
    activation_summary: one row per period of an activation model (every period from its
    first period_start to the as-of period, or its last period_start when later, zeros
    where nothing happened) with the growth accounting counts and rates, and whether the
    period is complete. Rebuilt as a table on each run: it has one row per period. The
    grain, week start and as-of date are the activation model's own (its recorded
    configuration); `grain` and `as_of`, when given, must agree with them.
-#}
{% macro activation_summary(activation, grain=none, as_of=none) %}
    {%- set macro_name = 'activation_summary' -%}
    {%- do dbt_activation._validate_relation(macro_name, 'activation', activation) -%}
    {%- set as_of = dbt_activation._validate_date(macro_name, 'as_of', as_of) -%}
    {%- set settings = dbt_activation._activation_model_settings(macro_name, activation, grain, as_of) -%}
    {%- do dbt_activation._validate_columns(macro_name, activation,
        [['activation (a model built by activation_states)', 'activation_state']]) -%}
    {#- the grain is the activation model's (its meta): not known while dbt parses -#}
    {%- do config(materialized='table', meta={'dbt_activation': {'macro': macro_name}}) -%}

    {{ return(adapter.dispatch('activation_summary', 'dbt_activation')(activation, settings)) }}
{% endmacro %}


{% macro default__activation_summary(activation, settings) %}
{%- set grain = settings.grain -%}
{%- set bounds = dbt_activation._activation_summary_bounds(activation, grain, settings.week_start, settings.as_of) -%}
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
        *,
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
        / nullif(churned_users, 0) as quick_ratio,
        {#- the last period (the as-of period) is still open, unless the as-of date is its
            last day or later -#}
        {%- if bounds is none %}
        false as is_period_complete
        {%- elif bounds.as_of_ends_last %}
        true as is_period_complete
        {%- else %}
        period_start < {{ bounds.last }} as is_period_complete
        {%- endif %}
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


{#- The first period, the last one and the period after it (aligned, as date_spine counts whole
    periods), as SQL date literals read at compile time, and whether the as-of date ends the
    last period; none when the model is empty or not built yet. The last period is the
    model's last period_start or, when later, the period of `as_of` (the model has no rows
    for the inactive periods before it). -#}
{% macro _activation_summary_bounds(activation, grain, week_start, as_of) %}
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
    {%- set first = dbt_activation._as_date(row[0]) -%}
    {%- set last = dbt_activation._as_date(row[1]) -%}
    {%- set as_of_day = dbt_activation._as_date(as_of) -%}
    {%- if as_of_day is not none -%}
        {%- set last = [last, dbt_activation._py_period_start(as_of_day, grain, week_start)] | max -%}
    {%- endif -%}
    {%- set after_last = dbt_activation._py_next_period(last, grain) -%}
    {{ return({
        'first': dbt_activation._date_literal(first),
        'last': dbt_activation._date_literal(last),
        'after_last': dbt_activation._date_literal(after_last),
        'as_of_ends_last': as_of_day is not none and as_of_day >= after_last - modules.datetime.timedelta(days=1),
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
