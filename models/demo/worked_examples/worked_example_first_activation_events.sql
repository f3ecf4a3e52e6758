{{ dbt_activation.first_activation_events(
    events=ref('worked_example_events'),
    users=ref('worked_example_users'),
    key_events=['add_to_cart', 'purchase'],
    user_id='user_id',
    event_name='event_name',
    event_at='datetime',
    first_visit_at='first_datetime',
    timezone='UTC',
) }}
