{#-
    activation_summary: one row per period of an activation model (every period from its
    first to its last period_start, zeros where nothing happened) with the growth
    accounting counts and rates. Rebuilt as a table on each run: it has one row per period.
-#}
{% macro activation_summary(activation, grain=none) %}
    {%- set macro_name = 'activation_summary' -%}
    {%- do dbt_activation._validate_relation(macro_name, 'activation', activation) -%}
    {%- if grain is none and not execute -%}
        {#- while dbt parses, ref() names the model being parsed: infer at run time -#}
        {%- set grain = 'day' -%}
    {%- elif grain is none -%}
        {%- set suffixes = {'daily': 'day', 'weekly': 'week', 'monthly': 'month'} -%}
        {%- set suffix = activation.identifier.split('_') | last | lower -%}
        {%- if suffix not in suffixes -%}
            {%- do dbt_activation._fail(macro_name, 'grain', grain,
                "one of 'day', 'week', 'month' when the activation model's name does not end in "
                ~ "_daily, _weekly or _monthly (it is " ~ (activation.identifier | tojson) ~ ")") -%}
        {%- endif -%}
        {%- set grain = suffixes[suffix] -%}
    {%- endif -%}
    {%- set grain = dbt_activation._validate_choice(macro_name, 'grain', grain, ['day', 'week', 'month']) -%}
    {%- do dbt_activation._validate_columns(macro_name, activation,
        [['activation (a model built by activation_states)', 'activation_state']]) -%}
    {%- do config(materialized='table') -%}

    {{ return(adapter.dispatch('activation_summary', 'dbt_activation')(activation, grain)) }}
{% endmacro %}


{% macro default__activation_summary(activation, grain) %}
{%- set bounds = dbt_activation._activation_summary_bounds(activation, grain) -%}
{%- set float_type = dbt.type_float() -%}

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
        sum(case when is_active then 1 else 0 end) as active_users,
        sum(case when activation_state = 'new' then 1 else 0 end) as new_users,
        sum(case when activation_state = 'retained' then 1 else 0 end) as retained_users,
        sum(case when activation_state = 'reactivated' then 1 else 0 end) as reactivated_users,
        sum(case when activation_state = 'inactive' then 1 else 0 end) as churned_users
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
        sum(new_users) over (order by period_start rows unbounded preceding)
        - new_users - retained_users - reactivated_users as dormant_users
    from filled

),

final as (

    select
        period_start,
        active_users,
        new_users,
        retained_users,
        reactivated_users,
        churned_users,
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


{#- The first period and the period after the last one (aligned, as date_spine counts whole
    periods), as SQL date literals read at compile time; none when the model is empty or
    not built yet. -#}
{% macro _activation_summary_bounds(activation, grain) %}
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
    {{ return({
        'first': dbt_activation._date_literal(row[0]),
        'after_last': dbt_activation._date_literal(dbt_activation._py_next_period(row[1], grain)),
    }) }}
{% endmacro %}
