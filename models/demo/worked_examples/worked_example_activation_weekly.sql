{{ dbt_activation.activation_states(
    source=ref('worked_example_activity'),
    first_last=ref('worked_example_first_last'),
    grain='week',
    user_id='user_id',
    activity_at='datetime',
    timezone='UTC',
    week_start='monday',
    attributes=['country', 'device_os'],
    as_of='2025-01-31',
) }}
