{#-
    activation_transitions: every state_transition of an activation model is one of the
    eight transitions its states allow (see generic_tests.yml for why these eight), and no
    row has a null activation_state or state_transition. Returns one row per offending
    model row.
-#}
{% test activation_transitions(model) %}
    {{ return(adapter.dispatch('test_activation_transitions', 'dbt_activation')(model)) }}
{% endtest %}


{% macro default__test_activation_transitions(model) %}
{#- the transitions the state definitions allow -#}
{%- set valid_transitions = [
    'none_to_new',
    'new_to_retained',
    'retained_to_retained',
    'reactivated_to_retained',
    'inactive_to_reactivated',
    'new_to_inactive',
    'retained_to_inactive',
    'reactivated_to_inactive',
] -%}

with model_rows as (

    select
        period_start,
        user_id,
        activation_state,
        previous_state,
        state_transition
    from {{ model }}

),

invalid_transitions as (

    select
        period_start,
        user_id,
        activation_state,
        previous_state,
        state_transition
    from model_rows
    where
        activation_state is null
        or state_transition is null
        or state_transition not in (
            {%- for transition in valid_transitions %}
            '{{ transition }}'{{ ',' if not loop.last }}
            {%- endfor %}
        )

)

select * from invalid_transitions
{% endmacro %}
