{{ dbt_activation.activation_states(
    source=ref('fact__events'),
    grain='month',
    user_id='user_id',
    activity_at='datetime',
    attributes=['country', 'device_os'],
    source_partition_column='date',
) }}
