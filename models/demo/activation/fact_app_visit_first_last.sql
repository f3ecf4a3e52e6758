{{ dbt_activation.activation_first_last(
    source=ref('fact__events'), user_id='user_id', activity_at='datetime',
    source_partition_column='date') }}
