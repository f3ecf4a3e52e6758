-- How long users stay away before they come back: the distribution of inactive_periods
-- (whole periods without activity before the return) on reactivated rows of an
-- activation model, with each gap length's share of all reactivations.
-- Open period: open_period_reactivations counts the returns in the open period, the
-- model's last period (its latest period_start: the as-of period), where more users can
-- still come back; it is 0 when `as_of` is set and that period has ended by then (as_of
-- is its last day, or later). Returns in every earlier period are final.
-- To reuse: copy this file into your project's analyses/ folder and change only the
-- parameter block below (nothing after it names a model, an event or a window); then
-- `dbt compile --select activation_reactivation_gaps` writes the SQL to
-- target/compiled/<your project name>/analyses/activation_reactivation_gaps.sql.
{#- ==== parameters: change only this block ==== #}
{% set activation_model = ref('fact_app_visit_activation_weekly') %} {#- an activation_states model #}
{% set grain = 'week' %} {#- the model's grain: 'day', 'week' or 'month' #}
{% set as_of = none %} {#- none, or the model's as_of date ('YYYY-MM-DD') if it has one #}
{#- ==== end of parameters ==== #}
{#- ---- checks of the block and values derived from it (nothing to change below) ---- #}
{%- if execute and grain not in ['day', 'week', 'month'] %}
    {{- exceptions.raise_compiler_error(
        "activation_reactivation_gaps: grain must be one of 'day', 'week', 'month'; got \""
        ~ grain ~ "\"") }}
{%- endif %}
{#- with as_of: the latest period start whose period ends on or before as_of #}
{%- set last_ended_period = none %}
{%- if as_of is not none %}
    {%- set parts = modules.re.findall(
        '^([0-9]{4})-([0-9]{2})-([0-9]{2})$', as_of if as_of is string else '') %}
    {%- set year, month, day = (parts[0] if parts else ['0', '0', '0']) | map('int') | list %}
    {%- set month_days = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28,
        31, 30, 31, 30, 31, 31, 30, 31, 30, 31] %}
    {%- if year >= 1 and 1 <= month <= 12 and 1 <= day <= month_days[month - 1] %}
        {%- set as_of_date = modules.datetime.date(year, month, day) %}
        {%- set one_day = modules.datetime.timedelta(days=1) %}
        {%- if grain == 'month' %}
            {%- set month_end = (as_of_date + one_day).replace(day=1) - one_day %}
            {%- set last_ended_period = month_end.replace(day=1) %}
        {%- elif grain == 'week' %}
            {%- set last_ended_period = as_of_date - 6 * one_day %}
        {%- else %}
            {%- set last_ended_period = as_of_date %}
        {%- endif %}
    {%- elif execute %}
        {{- exceptions.raise_compiler_error(
            "activation_reactivation_gaps: as_of must be none or a date 'YYYY-MM-DD'; got \""
            ~ as_of ~ "\"") }}
    {%- endif %}
{%- endif %}

with activation as (

    select * from {{ activation_model }}

),

-- the open period is the model's last one
last_period as (

    select max(period_start) as period_start
    from activation

),

-- each reactivated row with whether its period is complete (every period but the open one)
reactivations as (

    select
        activation.inactive_periods,
        (
            activation.period_start < last_period.period_start
            {%- if last_ended_period is not none %}
            or activation.period_start <= cast('{{ last_ended_period }}' as date)
            {%- endif %}
        ) as is_period_complete
    from activation
    cross join last_period
    where activation.activation_state = 'reactivated'

),

gaps as (

    select
        inactive_periods,
        count(*) as reactivations,
        sum(case when is_period_complete then 0 else 1 end) as open_period_reactivations
    from reactivations
    group by inactive_periods

),

final as (

    select
        inactive_periods,
        reactivations,
        open_period_reactivations,
        cast(reactivations as {{ dbt.type_numeric() }})
        / sum(reactivations) over () as share_of_reactivations
    from gaps

)

select * from final
