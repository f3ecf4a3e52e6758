{#- The defaults of every dbt_activation setting, in one place. A macro argument that is
    not none wins; otherwise the var (set in the root project's dbt_project.yml or with
    --vars); otherwise the default below. dbt_project.yml declares the same defaults for
    readers of this project, and a test keeps the two identical. -#}
{% macro _activation_defaults() %}
    {{ return({
        'activation__timezone': 'UTC',
        'activation__lookback_days': 3,
        'activation__week_start': 'monday',
        'activation__as_of': none,
    }) }}
{% endmacro %}


{% macro _activation_var(name, value=none) %}
    {%- set defaults = dbt_activation._activation_defaults() -%}
    {%- if name not in defaults -%}
        {{ exceptions.raise_compiler_error(
            "dbt_activation: unknown setting '" ~ name ~ "'; known settings are "
            ~ (defaults.keys() | list | join(', '))) }}
    {%- endif -%}
    {%- if value is not none -%}
        {{ return(value) }}
    {%- endif -%}
    {{ return(var(name, defaults[name])) }}
{% endmacro %}
