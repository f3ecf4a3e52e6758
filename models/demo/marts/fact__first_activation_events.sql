{{ dbt_activation.first_activation_events(
    events=ref('fact__events'),
    users=ref('dim__users'),
    key_events=var('demo__key_events', ['add_to_cart', 'purchase']),
    user_id='user_id',
    event_name='event_name',
    event_at='datetime',
    first_visit_at='first_datetime',
    events_partition_column='date',
) }}
